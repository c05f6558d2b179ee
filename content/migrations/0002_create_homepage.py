from django.db import migrations

INTRO = (
    "<p>Infant mental health training for everyone who works with babies and their families, "
    "from conception to age three: trained to the level your role needs, embedded through "
    "reflective supervision.</p>"
)


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("content.HomePage")
    Locale = apps.get_model("wagtailcore.Locale")

    # Wagtail's initial migration makes a placeholder "Welcome" page; replace it.
    Page.objects.filter(depth=2, slug="home", content_type__app_label="wagtailcore").delete()

    if HomePage.objects.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="content")
    locale = Locale.objects.first()
    homepage = HomePage.objects.create(
        title="Infant mental health training",
        draft_title="Infant mental health training",
        slug="home",
        content_type=content_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        intro=INTRO,
        locale=locale,
        live=True,
    )
    root = Page.objects.get(depth=1)
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"hostname": "localhost", "port": 80, "root_page": homepage,
                  "site_name": "Infant Mental Health Training"},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0001_initial"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [migrations.RunPython(create_homepage, migrations.RunPython.noop)]
