"""The admin under ImageSift's name, with the front desk and the on-site page in its header."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

HEADER = "ImageSift administration"


def title_of(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


def site_name_of(page: str) -> str:
    """The text of the header's brand, without its markup."""
    brand = re.search(r'<div id="site-name">(.*?)</div>', page, re.S).group(1)
    return re.sub(r"<[^>]+>|◉", "", brand).strip()


def test_the_admin_is_imagesift_administration(admin):
    page = admin.get("/admin/").content.decode()

    assert site_name_of(page) == HEADER
    assert title_of(page) == "Site administration | ImageSift admin"
    assert "Django administration" not in page and "Django site admin" not in page


def test_the_header_links_the_front_desk_and_the_on_site_page(admin):
    page = admin.get("/admin/accounts/employee/").content.decode()

    links = dict(re.findall(r'<a href="([^"]*)" data-testid="admin-([a-z-]+)-link">', page))
    assert links == {"/": "frontdesk", "/on-site/": "on-site"}
    assert ">Front desk</a>" in page and ">On site</a>" in page
    assert "View site" not in page  # the front desk is the site
    assert "Log out" in page and "Change password" in page  # Django's links stay
    for url in links:
        assert admin.get(url).status_code == 200, url
    assert title_of(page) == "Select employee to change | ImageSift admin"


def test_the_admin_sign_in_page_carries_the_name_too():
    page = Client().get("/admin/login/").content.decode()

    assert site_name_of(page) == HEADER
    assert title_of(page) == "Log in | ImageSift admin"
    assert "admin-frontdesk-link" not in page  # links for the signed-in only
