# Officials switching to English still read dates the Vietnamese way (dd/mm/yyyy): the date and
# time formats are the Vietnamese ones; only the number separators differ, and English input does
# not take dd-mm-yyyy.
from parindex.formats.vi.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
