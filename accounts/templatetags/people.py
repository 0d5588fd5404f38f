"""People's names in templates: `{% load people %}{{ annotation.author|person }}`."""

from django import template

from accounts.people import display_name

register = template.Library()

register.filter("person", display_name)
