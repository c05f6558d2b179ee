"""Page type rules: trainers cannot build a broken tree."""

import pytest
from django.urls import reverse
from wagtail.models import Page

from content.models import CourseIndexPage, CoursePage, HomePage, ModulePage, StandardPage

pytestmark = pytest.mark.django_db


def test_the_tree_is_home_catalogue_course_module():
    assert HomePage.allowed_subpage_models() == [CourseIndexPage, StandardPage]
    assert CourseIndexPage.allowed_subpage_models() == [CoursePage]
    assert CoursePage.allowed_subpage_models() == [ModulePage]
    assert ModulePage.allowed_subpage_models() == []
    assert StandardPage.allowed_subpage_models() == []
    assert CourseIndexPage.allowed_parent_page_models() == [HomePage]
    assert CoursePage.allowed_parent_page_models() == [CourseIndexPage]
    assert ModulePage.allowed_parent_page_models() == [CoursePage]


def test_where_each_page_type_can_be_created(loaded_mini):
    home = HomePage.objects.get()
    catalogue = CourseIndexPage.objects.get()
    course = CoursePage.objects.get(slug="alpha")
    module = ModulePage.objects.child_of(course).first()
    root = Page.get_first_root_node()

    assert not CoursePage.can_create_at(home)
    assert not ModulePage.can_create_at(catalogue)
    assert not ModulePage.can_create_at(module)
    assert not CoursePage.can_create_at(course)
    assert not CourseIndexPage.can_create_at(home)  # there is one already
    assert not HomePage.can_create_at(root)  # and one home page
    assert CoursePage.can_create_at(catalogue)
    assert ModulePage.can_create_at(course)
    assert StandardPage.can_create_at(home)
    assert not StandardPage.can_create_at(catalogue)


def test_the_admin_refuses_a_page_in_the_wrong_place(loaded_mini, client, superuser):
    client.force_login(superuser)
    module = ModulePage.objects.first()
    home = HomePage.objects.get()
    for app_model, parent in (("modulepage", module), ("coursepage", home)):
        url = reverse("wagtailadmin_pages:add", args=["content", app_model, parent.pk])
        response = client.get(url)
        # Wagtail refuses with "Sorry, you do not have access to this page" and sends you back.
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    # The right place works.
    course = CoursePage.objects.get(slug="alpha")
    url = reverse("wagtailadmin_pages:add", args=["content", "modulepage", course.pk])
    assert client.get(url).status_code == 200
    # and offers only modules under a course
    response = client.get(reverse("wagtailadmin_pages:add_subpage", args=[course.pk]))
    # A single allowed type: Wagtail goes straight to the module form.
    assert response.status_code == 302
    assert "/content/modulepage/" in response["Location"]
