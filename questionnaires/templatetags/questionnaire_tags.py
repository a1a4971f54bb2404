from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


@register.filter
def zip_rows(labels, rows):
    return zip(labels, rows, strict=True)
