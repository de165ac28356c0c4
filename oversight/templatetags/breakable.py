"""{{ text|breakable:word_break }}: the text escaped, with `word_break` (the PDF passes a zero-width
space, PDF_WORD_BREAK) every BREAK_EVERY characters inside longer words; without it, the text as is.

The dossier PDF needs it: WeasyPrint breaks a word that does not fit by trying one character after
another (overflow-wrap), which took minutes for one 4,000-character word. With a zero-width space
the word breaks like ordinary text (a <wbr> element each time was several times slower), and the
PDF's stylesheet asks for no wrapping inside words. Screens wrap long words with CSS instead, and
their text copies without hidden characters.
"""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

#: Narrower than the narrowest column of the dossier's tables at the PDF's font size.
BREAK_EVERY = 20
PDF_WORD_BREAK = "\u200b"
LONG_WORD = re.compile(rf"\S{{{BREAK_EVERY + 1},}}")


@register.filter(needs_autoescape=True)
def breakable(value: object, word_break: str = "", autoescape: bool = True) -> str | SafeData:
    """Break long words of plain text; HTML already marked safe is returned as it is."""
    if isinstance(value, SafeData):
        return value
    text = str(value)
    show = escape if autoescape else str
    if not word_break:
        return show(text)
    pieces, done = [], 0
    for word in LONG_WORD.finditer(text):
        pieces.append(show(text[done : word.start()]))
        chunks = (word[0][at : at + BREAK_EVERY] for at in range(0, len(word[0]), BREAK_EVERY))
        pieces.append(show(word_break).join(show(chunk) for chunk in chunks))
        done = word.end()
    pieces.append(show(text[done:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece of text is escaped above
