"""Forms of bulk registration from a spreadsheet. They stop at the view, as every form does."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from registry.blueprints.common import BaseForm
from registry.exports.sheet import MAX_BYTES

#: the checked file travels back in the confirmation as base64: 4 characters per 3 bytes
MAX_CONTENT = (MAX_BYTES + 2) // 3 * 4


class UploadForm(BaseForm):
    """The filled-in template to check."""

    file = FileField(_l("Spreadsheet (XLSX or CSV)"), validators=[FileRequired(_l("Choose a file."))])


class ConfirmForm(BaseForm):
    """The confirmation of a checked file: the file itself again (base64), so that exactly what was checked is
    imported, by whichever server receives it, and checked once more inside the import's transaction."""

    content = HiddenField(validators=[DataRequired(_l("Choose a file.")), Length(max=MAX_CONTENT)])
    filename = HiddenField(validators=[Length(max=255)])
