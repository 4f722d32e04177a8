"""JSON parsing that answers 400 for input Python's json module cannot take.

A deeply nested body (``[[[[…]]]]``) makes ``json.loads`` raise RecursionError, which DRF's parser does
not catch: every JSON endpoint answered 500. The nesting a real client sends is shallow.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
