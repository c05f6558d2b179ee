"""Post the Wagtail page editor the way the browser does.

The editor builds StreamField inputs in JavaScript, so the test reads the plain inputs of the
edit form from its HTML and adds the StreamField's form data built from the page's current
value (keeping block ids, as the editor does), with the changes a test asks for.
"""

from django.urls import reverse
from wagtail import blocks
from wagtail.test.utils.form_data import querydict_from_html, rich_text


def block_form_data(block, value, prefix: str) -> dict:
    data = {}
    if isinstance(block, blocks.StreamBlock):
        data[f"{prefix}-count"] = str(len(value))
        for i, child in enumerate(value):
            data.update(
                {
                    f"{prefix}-{i}-type": child.block_type,
                    f"{prefix}-{i}-deleted": "",
                    f"{prefix}-{i}-order": str(i),
                    f"{prefix}-{i}-id": child.id,
                }
            )
            data.update(block_form_data(child.block, child.value, f"{prefix}-{i}-value"))
    elif isinstance(block, blocks.ListBlock):
        bound = list(value.bound_blocks)
        data[f"{prefix}-count"] = str(len(bound))
        for i, item in enumerate(bound):
            data.update(
                {
                    f"{prefix}-{i}-deleted": "",
                    f"{prefix}-{i}-order": str(i),
                    f"{prefix}-{i}-id": item.id,
                }
            )
            data.update(block_form_data(block.child_block, item.value, f"{prefix}-{i}-value"))
    elif isinstance(block, blocks.StructBlock):
        for name, child_block in block.child_blocks.items():
            data.update(block_form_data(child_block, value[name], f"{prefix}-{name}"))
    elif isinstance(block, blocks.RichTextBlock):
        data[prefix] = rich_text(value.source, features=block.features)
    elif isinstance(block, blocks.BooleanBlock):
        if value:
            data[prefix] = "on"
    else:
        data[prefix] = "" if value is None else str(value)
    return data


def edit_form_data(client, page, *, body_text: dict[int, str] | None = None, **fields) -> dict:
    """Form data for the module editor: what the form shows now, with ``fields`` changed and
    the text blocks at the given positions of ``body`` replaced by new HTML."""
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200, response.status_code
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form").dict()
    stream_block = type(page).body.field.stream_block
    data.update(block_form_data(stream_block, page.body, "body"))
    for position, html in (body_text or {}).items():
        data[f"body-{position}-value"] = rich_text(
            html, features=stream_block.child_blocks["text"].features
        )
    data.update({name: str(value) for name, value in fields.items()})
    return data
