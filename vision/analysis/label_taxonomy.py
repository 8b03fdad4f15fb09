"""What the `local` engine's model classes mean as Rekognition-style labels and moderation labels.

Pure data and lookups, no models: COCO's 90 detector ids and ImageNet's 1000 classifier classes
become labels ("Dog") whose ancestors ("Canine", "Mammal", "Pet", "Animal") are labels too, with
Rekognition's label categories ("Animals and Pets"); a few classes also mean a moderation label
of Rekognition's version-7 taxonomy (level 1 "Violence", level 2 "Weapons").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

# TF-OD's mscoco_label_map: 80 classes on ids 1-90 (ids 12, 26, 29, 30, 45, 66, 68, 69, 71 and
# 83 are unused), with the label each one is.
COCO_LABELS: dict[int, str] = {
    1: "Person", 2: "Bicycle", 3: "Car", 4: "Motorcycle", 5: "Airplane", 6: "Bus", 7: "Train",
    8: "Truck", 9: "Boat", 10: "Traffic Light", 11: "Fire Hydrant", 13: "Stop Sign",
    14: "Parking Meter", 15: "Bench", 16: "Bird", 17: "Cat", 18: "Dog", 19: "Horse",
    20: "Sheep", 21: "Cow", 22: "Elephant", 23: "Bear", 24: "Zebra", 25: "Giraffe",
    27: "Backpack", 28: "Umbrella", 31: "Handbag", 32: "Tie", 33: "Suitcase", 34: "Frisbee",
    35: "Ski", 36: "Snowboard", 37: "Ball", 38: "Kite", 39: "Baseball Bat", 40: "Baseball Glove",
    41: "Skateboard", 42: "Surfboard", 43: "Racket", 44: "Bottle", 46: "Wine Glass", 47: "Cup",
    48: "Fork", 49: "Knife", 50: "Spoon", 51: "Bowl", 52: "Banana", 53: "Apple",
    54: "Sandwich", 55: "Orange", 56: "Broccoli", 57: "Carrot", 58: "Hot Dog", 59: "Pizza",
    60: "Donut", 61: "Cake", 62: "Chair", 63: "Couch", 64: "Potted Plant", 65: "Bed",
    67: "Dining Table", 70: "Toilet", 72: "TV", 73: "Laptop", 74: "Mouse", 75: "Remote Control",
    76: "Computer Keyboard", 77: "Mobile Phone", 78: "Microwave", 79: "Oven", 80: "Toaster",
    81: "Sink", 82: "Refrigerator", 84: "Book", 85: "Clock", 86: "Vase", 87: "Scissors",
    88: "Teddy Bear", 89: "Blow Dryer", 90: "Toothbrush",
}  # fmt: skip

# Each label's direct parents; a label's `parents` in a result are all its ancestors.
PARENTS: dict[str, tuple[str, ...]] = {
    # animals
    "Mammal": ("Animal",), "Pet": ("Animal",), "Wildlife": ("Animal",), "Bird": ("Animal",),
    "Sea Life": ("Animal",), "Fish": ("Sea Life",), "Reptile": ("Animal",),
    "Amphibian": ("Animal",), "Invertebrate": ("Animal",), "Insect": ("Invertebrate",),
    "Canine": ("Mammal",), "Dog": ("Canine", "Pet"), "Cat": ("Mammal", "Pet"),
    "Wolf": ("Canine", "Wildlife"), "Fox": ("Canine", "Wildlife"), "Rodent": ("Mammal",),
    "Primate": ("Mammal", "Wildlife"), "Ape": ("Primate",), "Monkey": ("Primate",),
    "Livestock": ("Mammal",), "Cattle": ("Livestock",), "Cow": ("Cattle",),
    "Horse": ("Mammal",), "Sheep": ("Livestock",), "Pig": ("Livestock",),
    "Elephant": ("Mammal", "Wildlife"), "Bear": ("Mammal", "Wildlife"),
    "Zebra": ("Mammal", "Wildlife"), "Giraffe": ("Mammal", "Wildlife"),
    "Antelope": ("Mammal", "Wildlife"), "Whale": ("Mammal", "Sea Life"), "Rabbit": ("Mammal",),
    "Shark": ("Fish",), "Snake": ("Reptile",), "Lizard": ("Reptile",), "Turtle": ("Reptile",),
    "Dinosaur": ("Reptile",), "Frog": ("Amphibian",), "Spider": ("Invertebrate",),
    "Crab": ("Sea Life", "Invertebrate"), "Lobster": ("Sea Life", "Invertebrate"),
    "Beetle": ("Insect",), "Butterfly": ("Insect",), "Parrot": ("Bird",), "Duck": ("Bird",),
    "Chicken": ("Bird",), "Lemur": ("Primate",),
    # vehicles
    "Vehicle": ("Transportation",), "Car": ("Vehicle",), "Truck": ("Vehicle",),
    "Bus": ("Vehicle",), "Van": ("Vehicle",), "Motorcycle": ("Vehicle",),
    "Bicycle": ("Vehicle",), "Train": ("Vehicle",), "Locomotive": ("Train",),
    "Boat": ("Vehicle",), "Ship": ("Vehicle",), "Aircraft": ("Vehicle",),
    "Airplane": ("Aircraft",), "Spaceship": ("Aircraft",),
    # food and drink
    "Fruit": ("Food", "Plant"), "Citrus Fruit": ("Fruit",), "Vegetable": ("Food", "Plant"),
    "Dessert": ("Food",), "Bread": ("Food",), "Coffee": ("Beverage",), "Banana": ("Fruit",),
    "Apple": ("Fruit",), "Orange": ("Citrus Fruit",), "Broccoli": ("Vegetable",),
    "Carrot": ("Vegetable",), "Squash": ("Vegetable",), "Sandwich": ("Food",),
    "Hot Dog": ("Food",), "Pizza": ("Food",), "Donut": ("Dessert",), "Cake": ("Dessert",),
    "Alcohol": ("Beverage",), "Beer": ("Alcohol",), "Wine": ("Alcohol",),
    # tableware and kitchen
    "Cup": ("Tableware",), "Glass": ("Tableware",), "Wine Glass": ("Glass",),
    "Bowl": ("Tableware",), "Cutlery": ("Tableware",), "Fork": ("Cutlery",),
    "Knife": ("Cutlery",), "Spoon": ("Cutlery",), "Pot": ("Cookware",), "Pan": ("Cookware",),
    # home
    "Chair": ("Furniture",), "Couch": ("Furniture",), "Bed": ("Furniture",),
    "Table": ("Furniture",), "Dining Table": ("Table",), "Bench": ("Furniture",),
    "Cabinet": ("Furniture",), "Lamp": (), "Clock": (),
    # electronics
    "Computer": ("Electronics",), "Laptop": ("Computer",), "Computer Hardware": ("Electronics",),
    "Mouse": ("Computer Hardware",), "Computer Keyboard": ("Computer Hardware",),
    "Screen": ("Electronics",), "TV": ("Screen",), "Monitor": ("Screen",),
    "Phone": ("Electronics",), "Mobile Phone": ("Phone",), "Camera": ("Electronics",),
    "Remote Control": ("Electronics",), "Speaker": ("Electronics",),
    "Microwave": ("Appliance",), "Oven": ("Appliance",), "Toaster": ("Appliance",),
    "Refrigerator": ("Appliance",), "Blow Dryer": ("Appliance",),
    # clothing
    "Footwear": ("Clothing",), "Shoe": ("Footwear",), "Boot": ("Footwear",),
    "Hat": ("Clothing",), "Helmet": ("Clothing",), "Coat": ("Clothing",),
    "Dress": ("Clothing",), "Skirt": ("Clothing",), "Pants": ("Clothing",),
    "Swimwear": ("Clothing",), "Swimsuit": ("Swimwear",), "Underwear": ("Clothing",),
    "Tie": ("Accessories", "Formal Wear"), "Formal Wear": ("Clothing",),
    "Bag": ("Accessories",), "Backpack": ("Bag",), "Handbag": ("Bag",),
    "Jewelry": ("Accessories",), "Sunglasses": ("Accessories",), "Watch": ("Accessories",),
    # everything else
    "Suitcase": ("Baggage",), "Ball": ("Sports Equipment",), "Ski": ("Sports Equipment",),
    "Snowboard": ("Sports Equipment",), "Skateboard": ("Sports Equipment",),
    "Surfboard": ("Sports Equipment",), "Racket": ("Sports Equipment",),
    "Baseball Bat": ("Sports Equipment",), "Baseball Glove": ("Sports Equipment",),
    "Frisbee": ("Toy",), "Guitar": ("Musical Instrument",),
    "Piano": ("Musical Instrument",), "Drum": ("Musical Instrument",),
    "Gun": ("Weapon",), "Rifle": ("Gun",), "Handgun": ("Gun",),
    "Building": ("Architecture",), "Shop": ("Building",), "Bridge": ("Architecture",),
    "Roof": ("Architecture",), "Flower": ("Plant",), "Potted Plant": ("Plant",),
    "Fungus": ("Plant",), "Mountain": ("Nature", "Outdoors"), "Toy": (), "Teddy Bear": ("Toy",),
    "Kite": ("Toy",), "Sign": (), "Stop Sign": ("Sign",), "Book": ("Publication",),
}  # fmt: skip

# Rekognition's label categories, for the labels at the top of each family: a label has its own
# categories, or else those of its ancestors.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "Animal": ("Animals and Pets",),
    "Person": ("Person Description",),
    "Transportation": ("Vehicles and Automotive",),
    "Food": ("Food and Beverage",), "Beverage": ("Food and Beverage",),
    "Tableware": ("Kitchen and Dining",), "Cookware": ("Kitchen and Dining",),
    "Bottle": ("Kitchen and Dining",),
    "Furniture": ("Furniture and Furnishings",), "Lamp": ("Home and Indoors",),
    "Clock": ("Home and Indoors",), "Appliance": ("Home and Indoors",),
    "Toilet": ("Home and Indoors",), "Sink": ("Home and Indoors",), "Vase": ("Home and Indoors",),
    "Bathtub": ("Home and Indoors",), "Bath Towel": ("Home and Indoors",),
    "Pillow": ("Home and Indoors",), "Quilt": ("Home and Indoors",),
    "Shower Curtain": ("Home and Indoors",), "Window Shade": ("Home and Indoors",),
    "Restaurant": ("Food and Beverage",), "Menu": ("Text and Documents",),
    "Electronics": ("Technology and Computing",),
    "Clothing": ("Apparel and Accessories",), "Accessories": ("Apparel and Accessories",),
    "Armor": ("Apparel and Accessories",), "Umbrella": ("Apparel and Accessories",),
    "Baggage": ("Travel and Adventure",), "Sports Equipment": ("Sports",),
    "Rocket": ("Vehicles and Automotive",), "Web Site": ("Technology and Computing",),
    "Musical Instrument": ("Hobbies and Interests",), "Toy": ("Hobbies and Interests",),
    "Weapon": ("Weapons and Military",),
    "Architecture": ("Buildings and Architecture",),
    "Plant": ("Plants and Flowers",),
    "Nature": ("Nature and Outdoors",), "Outdoors": ("Nature and Outdoors",),
    "Tool": ("Tools and Machinery",), "Scissors": ("Tools and Machinery",),
    "Publication": ("Text and Documents",), "Sign": ("Text and Documents",),
    "Traffic Light": ("Vehicles and Automotive",), "Parking Meter": ("Vehicles and Automotive",),
    "Fire Hydrant": ("Public Safety",),
    "Toothbrush": ("Beauty and Personal Care",), "Cosmetics": ("Beauty and Personal Care",),
}  # fmt: skip

# ImageNet classes that simply are one label (its 118 dog breeds are "Dog").
_IMAGENET_AS: dict[str, str] = {
    "Dog": "151-268", "Cat": "281-285", "Shark": "2-4", "Chicken": "7 8", "Frog": "30-32",
    "Turtle": "33-37", "Snake": "52-68", "Spider": "70 72-77", "Parrot": "87-90",
    "Duck": "97 98", "Elephant": "101 385 386", "Crab": "118-121 125", "Lobster": "122 123",
    "Whale": "147 148", "Wolf": "269-271", "Fox": "277-280", "Bear": "294-297",
    "Beetle": "300 302-307", "Butterfly": "321-326", "Rabbit": "330-332", "Horse": "339",
    "Zebra": "340", "Pig": "341", "Sheep": "348", "Antelope": "351-353", "Monkey": "370-382",
    "Lemur": "383 384", "Rifle": "413 764", "Handgun": "763", "Swimsuit": "638 639",
    "Sunglasses": "836 837", "Tie": "906", "Laptop": "620 681", "Squash": "940-942",
    "Rocket": "657 744", "Chair": "857",
}  # fmt: skip

# Other ImageNet classes keep their own name under these parents.
_IMAGENET_UNDER: dict[str, str] = {
    "Fish": "0 1 5 6 389-397", "Bird": "9-24 80-86 91-96 99 100 127-146",
    "Amphibian": "25-29", "Lizard": "38-48", "Reptile": "49 50", "Dinosaur": "51",
    "Invertebrate": "69 71 78 79 107-117 124 126 327-329",
    "Sea Life": "107-109 112 115-117 124 149 150 327-329 973",
    "Mammal": "102-106 149 150 276 286-293 298 299 343 344 350 354-364 387 388",
    "Wildlife": "102-106 272-276 286-293 298 299 342-344 349 350 356-364 387 388",
    "Canine": "272-275", "Insect": "301 308-320", "Rodent": "333-338", "Pet": "333 338",
    "Cattle": "345-347", "Livestock": "342", "Ape": "365-369",
    # vehicles
    "Car": "436 468 511 609 627 661 751 817", "Truck": "555 569 675 717 803 864 867",
    "Bus": "654 779 874", "Van": "407 656 734",
    "Vehicle": "408 573 575 586 612 757 802 847 866 870 880",
    "Bicycle": "444 671", "Motorcycle": "665 670", "Train": "466 565 705 829",
    "Locomotive": "547 820", "Boat": "472 484 554 576 625 694 780 814 871 914",
    "Ship": "403 510 628 724 833", "Airplane": "404 895", "Aircraft": "405 908",
    "Spaceship": "812",
    # clothing and accessories
    "Clothing": "399 400 411 443 465 474 529 552 578 608 610 614 617 652 697 735 775 796 "
    "806 834 841 887",
    "Coat": "501 568 617 869", "Dress": "578", "Skirt": "601 655 689", "Pants": "608",
    "Hat": "433 439 452 515 667 793 808", "Helmet": "518 560 715",
    "Footwear": "502 774", "Shoe": "630 770", "Boot": "514", "Swimwear": "445 842",
    "Underwear": "459", "Formal Wear": "457 834", "Accessories": "451 457 464 584 591 658 893",
    "Jewelry": "679", "Bag": "636 748", "Armor": "461 490 524", "Watch": "531 826",
    # home, kitchen, electronics
    "Furniture": "423 431 453 493 516 520 526 548 553 736 894", "Chair": "559 765",
    "Couch": "831", "Bed": "564", "Bench": "703", "Cabinet": "495 648", "Dining Table": "532",
    "Lamp": "619 846", "Clock": "409 530 892",
    "Appliance": "521 534 545 550 589 606 651 760 766 786 811 827 859 882 891 897",
    "Cup": "504 968", "Glass": "441 572", "Bowl": "659 809", "Tableware": "868 923",
    "Cutlery": "910", "Pot": "469 505 544 849", "Pan": "567 909",
    "Cookware": "618 647 813 828", "Bottle": "440 737 898 907",
    "Computer": "527 590", "Computer Hardware": "508 592 662 673 810", "Monitor": "664",
    "Screen": "782 851", "Phone": "487 528 707", "Camera": "732 759",
    "Electronics": "482 485 598 605 632 650 688 713 742 745 754 761 848",
    # food and drink
    "Food": "924-926 933 935 959 961-965", "Dessert": "927-929 960", "Bread": "930-932",
    "Vegetable": "936-939 943-946 987", "Fruit": "948 949 952-957 989",
    "Citrus Fruit": "950 951", "Beer": "440 441", "Wine": "907 966", "Coffee": "967",
    "Beverage": "969",
    # the rest
    "Musical Instrument": "401 420 432 486 494 513 558 566 577 593 594 641 642 683 684 687 "
    "699 714 776 875 889",
    "Guitar": "402 546", "Piano": "579 881", "Drum": "541 822",
    "Sports Equipment": "416 422 543 602 702 746 747 752 795", "Ball": "429 430 522 574 722 "
    "768 805 852 890",
    "Weapon": "456 471 597 777 787", "Tool": "462 477 491 587 596 677 726 740 769 783 784 792 "
    "840",
    "Building": "410 425 437 442 449 483 497 498 500 538 580 624 634 663 668 698 727 743 832 "
    "900 915",
    "Shop": "415 424 454 467 509 582 788 860 865", "Bridge": "821 839 888", "Roof": "853 858",
    "Architecture": "682 873 884",
    "Nature": "958 970 972 974-980", "Outdoors": "970 972 974-980", "Mountain": "970 980",
    "Flower": "984-986", "Plant": "738 988 990 998", "Fungus": "947 991-997",
    "Cosmetics": "551 585 629 631 711 838", "Toy": "611 850", "Publication": "917 921",
    "Sign": "919", "Person": "981-983",
}  # fmt: skip

# Names other than "the text before the first comma, capitalised": clashes ("kite" the bird
# and the toy, "crane" the bird and the machine), odd WordNet names and plural garments.
_IMAGENET_NAMES: dict[int, str] = {
    21: "Kite Bird", 134: "Crane Bird", 39: "Iguana", 100: "Black Swan", 145: "Penguin",
    346: "Water Buffalo", 364: "Sloth", 387: "Red Panda", 388: "Giant Panda",
    344: "Hippo", 342: "Boar", 354: "Camel", 349: "Bighorn Sheep", 286: "Cougar",
    412: "Trash Can", 418: "Pen", 428: "Wheelbarrow", 436: "Station Wagon", 437: "Lighthouse",
    444: "Tandem Bicycle", 458: "Plaque", 459: "Bra", 468: "Taxi", 480: "ATM",
    487: "Mobile Phone", 528: "Telephone", 531: "Wristwatch", 532: "Dining Table",
    555: "Fire Truck", 564: "Bed", 589: "Blow Dryer", 608: "Jeans", 610: "T-Shirt",
    632: "Speaker", 672: "Tent", 673: "Mouse", 680: "Baby Bottle", 697: "Pajamas",
    703: "Bench", 717: "Pickup Truck", 738: "Potted Plant", 748: "Handbag", 751: "Race Car",
    757: "RV", 760: "Refrigerator", 761: "Remote Control", 776: "Saxophone",
    800: "Slot Machine", 829: "Tram", 831: "Couch", 840: "Mop", 842: "Swimming Trunks",
    850: "Teddy Bear", 851: "TV", 861: "Toilet", 896: "Sink", 897: "Washing Machine",
    508: "Computer Keyboard", 504: "Coffee Cup", 921: "Book Cover", 930: "French Bread",
    933: "Burger", 934: "Hot Dog", 936: "Cabbage", 948: "Apple", 970: "Alps",
    975: "Lake", 978: "Coast", 981: "Baseball Player", 982: "Groom", 986: "Orchid",
    998: "Grain", 999: "Toilet Paper", 651: "Microwave", 859: "Toaster", 414: "Backpack",
    456: "Archery Bow", 664: "Monitor", 665: "Moped", 670: "Motor Scooter", 847: "Tank",
}  # fmt: skip

# Level-1 and level-2 moderation labels (Rekognition's taxonomy, version 7) that an ImageNet
# class shows. Conservative: only classes that are the thing itself, not what may go with it
# (a kitchen cleaver or a hatchet is a tool; a "missile" is mostly a space rocket; a cup or
# goblet may hold anything; COCO's "knife" and "wine glass" are tableware, so no COCO class is
# here).
_IMAGENET_MODERATION: dict[tuple[str, str], str] = {
    ("Violence", "Weapons"): "413 471 763 764",
    ("Alcohol", "Alcoholic Beverages"): "440 441 907 966",
    ("Drugs & Tobacco", "Products"): "720",
    ("Drugs & Tobacco", "Drug & Tobacco Paraphernalia & Use"): "845",
    ("Gambling", "Gambling"): "800",
    ("Swimwear or Underwear", "Female Swimwear or Underwear"): "445 459 638 639",
    ("Swimwear or Underwear", "Male Swimwear or Underwear"): "842",
}


@dataclass(frozen=True)
class LabelInfo:
    """A label as a result shows it: all its ancestors, nearest first, and its categories."""

    name: str
    parents: tuple[str, ...]
    categories: tuple[str, ...]


class Taxonomy:
    """Every label the models' classes can mean, given the classifier's 1000 class names."""

    def __init__(self, imagenet_class_names: Sequence[str]):
        grouped = {index: name for name, spec in _IMAGENET_AS.items() for index in _indexes(spec)}
        self.imagenet: tuple[str, ...] = tuple(
            grouped.get(index)
            or _IMAGENET_NAMES.get(index)
            or _capitalised(class_name.split(",")[0])
            for index, class_name in enumerate(imagenet_class_names)
        )
        direct = {name: list(parents) for name, parents in PARENTS.items()}
        for parent, spec in _IMAGENET_UNDER.items():
            for index in _indexes(spec):
                name = self.imagenet[index]
                if index not in grouped and parent != name:
                    known = direct.setdefault(name, [])
                    if parent not in known:
                        known.append(parent)
        names = {*self.imagenet, *COCO_LABELS.values(), *direct}
        names |= {parent for parents in direct.values() for parent in parents}
        self._labels = {name: self._info(name, direct) for name in names}

    @staticmethod
    def _info(name: str, direct: dict[str, list[str]]) -> LabelInfo:
        parents: list[str] = []
        queue = list(direct.get(name, ()))
        while queue:
            parent = queue.pop(0)
            if parent != name and parent not in parents:
                parents.append(parent)
                queue.extend(direct.get(parent, ()))
        found = list(CATEGORIES.get(name, ()))
        if not found:
            for parent in parents:
                found.extend(c for c in CATEGORIES.get(parent, ()) if c not in found)
        return LabelInfo(name=name, parents=tuple(parents), categories=tuple(found))

    def label(self, name: str) -> LabelInfo:
        """A label by name (every name this taxonomy gives is known)."""
        return self._labels[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._labels))

    def imagenet_members(self) -> dict[str, tuple[int, ...]]:
        """For each label, the ImageNet classes that are it or one of its descendants."""
        members: dict[str, list[int]] = {}
        for index, name in enumerate(self.imagenet):
            for label in (name, *self._labels[name].parents):
                members.setdefault(label, []).append(index)
        return {label: tuple(indexes) for label, indexes in members.items()}


def _indexes(spec: str) -> list[int]:
    """ "0 5-7" -> [0, 5, 6, 7]."""
    found: list[int] = []
    for part in spec.split():
        first, _, last = part.partition("-")
        found.extend(range(int(first), int(last or first) + 1))
    return found


def _capitalised(words: str) -> str:
    return " ".join(word[:1].upper() + word[1:] for word in words.split())


@cache
def _moderation_by_class() -> dict[int, tuple[str, str]]:
    return {
        index: levels for levels, spec in _IMAGENET_MODERATION.items() for index in _indexes(spec)
    }


def imagenet_moderation(index: int) -> tuple[str, str] | None:
    """The (level-1, level-2) moderation labels that ImageNet class `index` shows, if any."""
    return _moderation_by_class().get(index)
