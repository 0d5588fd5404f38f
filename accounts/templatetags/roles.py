"""Role checks for templates: `{% load roles %}{% if user|is_editor %}`."""

from django import template

from accounts import roles

register = template.Library()

register.filter("is_journalist", roles.is_journalist)
register.filter("is_editor", roles.is_editor)
register.filter("is_admin", roles.is_admin)
register.filter("role_name", roles.role_name)
