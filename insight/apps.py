from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "insight"
    verbose_name = "Image insight"

    def ready(self) -> None:
        from accounts.signals import person_erased
        from insight import services

        def forget_erased_person(sender, *, person_id: int, **kwargs) -> None:
            services.analyses_forget_person(person_id=person_id)

        person_erased.connect(forget_erased_person, dispatch_uid="insight.forget_erased_person")
