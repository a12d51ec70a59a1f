"""A grid's structure read from its content: header tree, column kinds, blocks and row keys.

Every reader (text export, pdfium/camelot grids, python-docx, OCR) hands the mapping a plain grid of
cell texts. Nothing about where a column sits is assumed; the structure is decided from what the
cells say:

1. **Header and body.** The body starts at the row after a 栏次 row (``栏次 | 1 | 2 …``), else at the
   first row that holds a figure, a subject code or a numbered line (``一、…``). The rows above are
   the header.
2. **Header tree.** Each column's *path* is the list of header texts above it, top down. A merged
   header cell leaves its text in its first column and blanks in the others (every reader gives
   that shape), so a blank is filled from its left neighbour when both sit under the same parent:
   ``合计 | 因公出国 | 公务用车购置及运行维护费 ↦ 小计 | 购置费 | 运行费 | 公务接待费`` gives
   ``(公务用车购置及运行维护费, 小计)`` and so on. Text wrapped over grid rows (``本年收入合`` / ``计``)
   is joined where the pieces only make a known header word together. Header words printed in the
   first body row (a ``类 | 款 | 项`` sub-header beside the 合计 row, a ``合计 | 基本支出`` sub-header
   under 本年支出) join their column's path.
3. **Column kinds.** ``code`` (subject codes), ``code-part`` (split 类 / 款 / 项 columns), ``label``
   (names, line items), ``serial`` (行次), ``value`` (figures) — from the header words first, then
   from the cells (3/5/7-digit integers are codes, numbers with decimals are figures).
4. **Blocks.** Tables print two or more key-and-figure blocks side by side (收入 | 支出; 人员经费 |
   公用经费). A block starts at each key column that follows a value column; each block's rows are
   read on their own.
5. **Row keys.** A row's subject code comes from its code column, from split 类/款/项 columns (blank
   leading parts carried down from the rows above), or from the front of its name (``2010601 行政运行``,
   ``[2010601]行政运行``). A row with a name and nothing else right under a named row is the rest of
   that name, wrapped (stream readers give each printed line its own row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from juesuan.extract.text import clean_cell, is_empty_cell

# --- cell kinds ----------------------------------------------------------------------------------------
#: A printed figure: decimals, or thousands separators (integers alone could be codes or serials).
_FIGURE = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)$")
_INTEGER = re.compile(r"^[-−]?\d+$")
_CODE = re.compile(r"^\d{3}(?:\d{2}){0,2}$")
_CODE_PART = re.compile(r"^\d{2,3}$")
#: A name cell that starts with its code: ``2010601 行政运行``, ``[2010601]行政运行``, ``2010601-行政运行``.
_CODE_AND_NAME = re.compile(r"^[\[【]?(\d{3}(?:\d{2}){0,2})[\]】]?[\s\-—:：、]*([\u4e00-\u9fff（(].*)$")
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])")
_SERIAL_HEADERS = {"行次", "栏次", "序号", "行号"}
_CODE_HEADER = re.compile(r"编码|代码|科目编号|^类$|^款$|^项$|^类款项$")
_LABEL_HEADER = re.compile(r"名称|^项目$|^科目$|^项目名称$")
_PART_LEVELS = ("类", "款", "项")
_PART_SPANS = (("类", 0, 3), ("款", 3, 5), ("项", 5, 7))
_TOTAL_LABELS = {"合计", "总计", "小计"}


def is_figure(text: str) -> bool:
    """A printed amount: ``1,234.56``, ``0.00``, ``-3.5``; a bare integer is not enough."""
    return bool(_FIGURE.match(clean_cell(text)))


def is_number(text: str) -> bool:
    cell = clean_cell(text)
    return bool(_FIGURE.match(cell) or _INTEGER.match(cell))


def is_code(text: str) -> bool:
    return bool(_CODE.match(clean_cell(text)))


def is_numbered(text: str) -> bool:
    return bool(_NUMBERED.match(clean_cell(text)))


def split_code_and_name(text: str) -> tuple[str, str] | None:
    """``(code, name)`` when a cell starts with a subject code followed by a name."""
    match = _CODE_AND_NAME.match(clean_cell(text))
    return (match.group(1), match.group(2)) if match else None


#: Header words a column can be named by (any table), and the group words above them. Fragments of
#: header text wrapped over grid rows are joined when together they make one of these.
#: Header words that name the key columns (a row's code or name).
_KEY_WORDS = (
    "项目",
    "科目编码",
    "科目代码",
    "科目名称",
    "功能分类科目编码",
    "经济分类科目编码",
    "功能分类",
    "经济分类",
)
HEADER_VOCABULARY = frozenset(
    {
        *_KEY_WORDS,
        "行次",
        "栏次",
        "收入",
        "支出",
        "金额",
        "决算数",
        "预算数",
        "合计",
        "小计",
        "总计",
        "本年收入合计",
        "本年支出合计",
        "财政拨款收入",
        "上级补助收入",
        "事业收入",
        "经营收入",
        "附属单位上缴收入",
        "其他收入",
        "基本支出",
        "项目支出",
        "上缴上级支出",
        "经营支出",
        "对附属单位补助支出",
        "本年支出",
        "本年收入",
        "年初结转和结余",
        "年末结转和结余",
        "一般公共预算财政拨款",
        "政府性基金预算财政拨款",
        "国有资本经营预算财政拨款",
        "一般公共预算",
        "政府性基金预算",
        "国有资本经营预算",
        "人员经费",
        "公用经费",
        "因公出国（境）费",
        "公务用车购置及运行维护费",
        "公务用车购置费",
        "公务用车运行维护费",
        "公务接待费",
        "统计数",
        "年初预算数",
    }
)
_VOCABULARY_KEYS = {clean_cell(word) for word in HEADER_VOCABULARY}
#: Header words that name a column of figures (the others name keys, or the 收入 | 支出 sides).
_VALUE_WORDS = _VOCABULARY_KEYS - set(_KEY_WORDS) - {"行次", "栏次", "收入", "支出"}


def is_header_word(text: str) -> bool:
    """A column header word of any standard table, or a 栏次 / 行次 label."""
    return _known(text) or clean_cell(text) in _SERIAL_HEADERS


def _known(text: str) -> bool:
    return clean_cell(text) in _VOCABULARY_KEYS


# --- the structure -------------------------------------------------------------------------------------
CODE = "code"
CODE_PART = "code-part"
LABEL = "label"
SERIAL = "serial"
VALUE = "value"
EMPTY = "empty"


@dataclass
class Column:
    index: int
    path: tuple[str, ...]
    kind: str = EMPTY
    level: str | None = None  # 类 / 款 / 项 of a code-part column

    @property
    def leaf(self) -> str:
        return self.path[-1] if self.path else ""

    def says(self, *words: str) -> bool:
        """Whether any header text above the column contains one of ``words``."""
        return any(word in part for part in self.path for word in words)


@dataclass
class Block:
    """Key columns and the value columns to their right, up to the next block."""

    code_columns: list[int]
    label_column: int | None
    value_columns: list[int]
    columns: list[int]  # every column of the block, serials included

    @property
    def split_codes(self) -> bool:
        return len(self.code_columns) > 1


@dataclass
class RowKey:
    """What a body row of a block is about."""

    row: int  # index into :attr:`Layout.body`
    code: str | None
    label: str  # the printed name or line label (cleaned, numbering kept)
    raw: str  # the key cells as printed


@dataclass
class Layout:
    header: list[list[str]]
    body: list[list[str]]
    columns: list[Column]
    blocks: list[Block] = field(default_factory=list)

    @property
    def width(self) -> int:
        return len(self.columns)

    def column(self, index: int) -> Column:
        return self.columns[index]

    def keys(self, block: Block) -> list[RowKey]:
        return block_keys(self, block)


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def is_serial_row(row: list[str]) -> bool:
    """A 栏次 row: ``栏次 | | 1 | 2 …`` or column numbers only."""
    filled = [c for c in (clean_cell(x) for x in row) if c]
    numbers = [c for c in filled if re.fullmatch(r"\d{1,2}", c)]
    serial = [c for c in filled if c in ("栏次", "行次")]
    return bool(filled) and len(numbers) + len(serial) == len(filled) and (bool(serial) or len(numbers) >= 3)


def _is_body_row(row: list[str]) -> bool:
    cells = [clean_cell(x) for x in row]
    if any(_FIGURE.match(c) for c in cells):
        return True
    if any(_CODE.match(c) for c in cells) or any(split_code_and_name(c) for c in cells[:3]):
        return True
    first = next((c for c in cells if c), "")
    return bool(_NUMBERED.match(first))


def body_start(rows: list[list[str]]) -> int:
    """Index of the first body row (see the module docstring); ``len(rows)`` for a header alone."""
    for index, row in enumerate(rows):
        if is_serial_row(row):
            return index + 1
        if _is_body_row(row):
            return index
    # No figure, code or numbered line anywhere (an empty table): its body starts at a total row with
    # no more header rows below it (a 合计 can also head a column group).
    for index, row in enumerate(rows):
        below = rows[index + 1 :]
        if index and clean_cell(_cell(row, 0)) in _TOTAL_LABELS and not any(_header_words(r) >= 2 for r in below):
            return index
    return len(rows)


def _header_words(row: list[str]) -> int:
    return sum(1 for cell in row if _known(cell))


def _filled_header(header: list[list[str]], width: int) -> list[list[str]]:
    """Header cells with merged cells' blanks filled from the left under the same parent."""
    grid = [[clean_cell(_cell(row, col)) for col in range(width)] for row in header]
    filled = [list(row) for row in grid]
    for r, row in enumerate(grid):
        is_last = r == len(grid) - 1
        for col in range(1, width):
            if row[col] or not filled[r][col - 1]:
                continue
            if is_last and not grid[r][col - 1]:
                continue
            parent_here = tuple(filled[p][col] for p in range(r))
            parent_left = tuple(filled[p][col - 1] for p in range(r))
            # Spread only a spanning group cell: something below it must name sub-columns.
            below_here = any(grid[p][col] for p in range(r + 1, len(grid)))
            if parent_here == parent_left and below_here and not is_last:
                filled[r][col] = filled[r][col - 1]
    return filled


def _join_fragments(parts: list[str]) -> list[str]:
    """Header text wrapped over rows, joined where only the joined text is a known header word."""
    joined: list[str] = []
    index = 0
    while index < len(parts):
        best = index + 1
        for end in range(len(parts), index + 1, -1):
            if _known("".join(parts[index:end])) and not all(_known(p) for p in parts[index:end]):
                best = end
                break
        joined.append("".join(parts[index:best]))
        index = best
    return joined


def _column_path(filled: list[list[str]], col: int) -> tuple[str, ...]:
    parts: list[str] = []
    for row in filled:
        text = row[col]
        if text and not re.fullmatch(r"\d{1,2}", text) and (not parts or parts[-1] != text):
            parts.append(text)
    return tuple(_join_fragments(parts))


def _kind_from_header(column: Column) -> str | None:
    leaf = column.leaf
    if not column.path:
        return None
    if leaf in _SERIAL_HEADERS:
        return SERIAL
    if leaf in _PART_LEVELS:
        column.level = leaf
        return CODE_PART
    if _CODE_HEADER.search(leaf):
        return CODE
    if _LABEL_HEADER.search(leaf):
        return LABEL
    if clean_cell(leaf) in _VALUE_WORDS and clean_cell(leaf) not in _TOTAL_LABELS:
        return VALUE
    # A name column whose header cell also holds a total word (功能科目名称 over 合计) names rows.
    if any(_LABEL_HEADER.search(part) or _CODE_HEADER.search(part) for part in column.path[:-1]):
        return LABEL if any(_LABEL_HEADER.search(part) for part in column.path) else CODE
    if any(clean_cell(part) in _VALUE_WORDS for part in column.path):
        return VALUE
    return None


def _kind_from_cells(cells: list[str]) -> str:
    filled = [clean_cell(c) for c in cells if not is_empty_cell(c)]
    if not filled:
        return EMPTY
    figures = sum(1 for c in filled if _FIGURE.match(c))
    codes = sum(1 for c in filled if _CODE.match(c))
    integers = sum(1 for c in filled if _INTEGER.match(c))
    texts = len(filled) - integers - figures
    if figures and figures + integers >= len(filled) * 0.8:
        return VALUE
    if codes >= max(2, 0.6 * len(filled)) and not figures:
        return CODE
    if texts >= max(1, 0.5 * len(filled)):
        return LABEL
    if integers == len(filled):
        numbers = [int(c) for c in filled]
        if len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return SERIAL
        return VALUE
    return LABEL


def _split_parts(columns: list[Column], body: list[list[str]]) -> None:
    """Unlabelled split codes: a column of 3-digit 类 codes followed by columns of 2-digit parts."""
    for column in columns:
        if column.kind != CODE:
            continue
        cells = [clean_cell(_cell(row, column.index)) for row in body]
        filled = [c for c in cells if c]
        if not filled or not all(re.fullmatch(r"\d{3}", c) for c in filled):
            continue
        following = []
        for other in columns[column.index + 1 : column.index + 3]:
            parts = [clean_cell(_cell(row, other.index)) for row in body]
            if any(parts) and all(re.fullmatch(r"\d{2}", p) for p in parts if p):
                following.append(other)
            else:
                break
        if following:
            column.kind, column.level = CODE_PART, "类"
            for other, level in zip(following, ("款", "项"), strict=False):
                other.kind, other.level = CODE_PART, level


def _promote_header_words(header: list[list[str]], body: list[list[str]], width: int) -> None:
    """Header words printed in the first body row beside its row key (``类 | 款 | 项 | 合计 | …``, or
    ``合计 | 基本支出 | 项目支出`` under 本年支出) belong to the header: moved up, out of the body."""
    if not body or not header:
        return
    first = body[0]
    cells = [clean_cell(_cell(first, col)) for col in range(width)]
    words = [col for col, cell in enumerate(cells) if cell and (_known(cell) or cell in _PART_LEVELS)]
    if len(words) < 2:
        return
    # The row's own label (合计) is its first text that is no 类/款/项 sub-header.
    label = next((col for col, cell in enumerate(cells) if cell and cell not in _PART_LEVELS), None)
    moved = [col for col in words if col != label]
    if len(moved) < 2:
        return
    extra = [""] * width
    for col in moved:
        extra[col] = _cell(first, col)
        first[col] = ""
    header.append(extra)


def analyse(rows: list[list[str]]) -> Layout:
    """The layout of a cleaned grid (rows of equal width, wrapped cell text already joined)."""
    width = max((len(row) for row in rows), default=0)
    grid = [list(row) + [""] * (width - len(row)) for row in rows]
    start = body_start(grid)
    header = [list(row) for row in grid[:start] if not is_serial_row(row)]
    body = [row for row in grid[start:] if not is_serial_row(row)]
    _promote_header_words(header, body, width)
    body = [row for row in body if any(clean_cell(c) for c in row)]
    filled = _filled_header(header, width)
    columns = [Column(col, _column_path(filled, col)) for col in range(width)]
    for column in columns:
        cells = [_cell(row, column.index) for row in body]
        by_header = _kind_from_header(column)
        by_cells = _kind_from_cells(cells)
        if by_header in (CODE, CODE_PART) and by_cells == LABEL:
            # 编码 over names: a code-and-name column (``2010601 行政运行``) or a label spanning both.
            by_header = LABEL if not any(re.fullmatch(r"\d{3,7}", clean_cell(c)) for c in cells) else by_header
        if by_header == LABEL and by_cells == VALUE:
            by_header = None  # a figure column under a spanning 项目 header
        column.kind = by_header or (by_cells if by_cells != EMPTY else (VALUE if column.path else EMPTY))
    _split_parts(columns, body)
    layout = Layout(header=header, body=body, columns=columns)
    layout.blocks = _blocks(columns)
    return layout


def _blocks(columns: list[Column]) -> list[Block]:
    blocks: list[Block] = []
    current: Block | None = None
    seen_value = False
    for column in columns:
        kind = column.kind
        if kind in (CODE, CODE_PART, LABEL):
            if current is None or seen_value:
                current = Block([], None, [], [])
                blocks.append(current)
                seen_value = False
            if kind == LABEL:
                if current.label_column is None:
                    current.label_column = column.index
            else:
                current.code_columns.append(column.index)
            current.columns.append(column.index)
        elif kind == VALUE:
            if current is None:
                current = Block([], None, [], [])
                blocks.append(current)
            current.value_columns.append(column.index)
            current.columns.append(column.index)
            seen_value = True
        elif current is not None:
            current.columns.append(column.index)
    return [block for block in blocks if block.value_columns or block.code_columns or block.label_column is not None]


# --- row keys ------------------------------------------------------------------------------------------
def _rebuild_split(parts: dict[str, str], carried: dict[str, str]) -> str | None:
    """类 / 款 / 项 parts of one row → one code; blank leading parts come from the rows above."""
    present = [level for level in _PART_LEVELS if parts.get(level)]
    if not present:
        return None
    deepest = _PART_LEVELS.index(present[-1])
    code = ""
    for level in _PART_LEVELS[: deepest + 1]:
        part = parts.get(level) or carried.get(level, "")
        if not part:
            return None
        code += part
    return code


_PART_WIDTH = {"类": 3, "款": 2, "项": 2}


def _damaged_parts_blank(cells: list[str], levels: list[str | None], carried: dict[str, str]) -> list[str]:
    """Split code parts with a damaged leading part (a 类 printed ``7`` over ``11 | 02`` under 210 11) read
    as blank, so that the part comes from the rows above: only where the row's deeper parts are well
    formed and continue the code carried down (the name then decides, as for any code)."""
    widths = [_PART_WIDTH.get(level or "", 0) for level in levels]
    damaged = [
        i for i, (cell, width) in enumerate(zip(cells, widths, strict=True)) if cell.isdigit() and len(cell) != width
    ]
    if len(damaged) != 1 or not carried:
        return cells
    index = damaged[0]
    deeper = [cell for cell, width in zip(cells[index + 1 :], widths[index + 1 :], strict=True) if cell]
    sound = deeper and all(
        cell.isdigit() and len(cell) == width
        for cell, width in zip(cells[index + 1 :], widths[index + 1 :], strict=True)
        if cell
    )
    upper = [levels[i] for i in range(index + 1)]
    if not sound or any((level or "") not in carried for level in upper):
        return cells
    return [("" if i == index else cell) for i, cell in enumerate(cells)]


def block_keys(layout: Layout, block: Block) -> list[RowKey]:
    """The key of every body row of ``block`` (wrapped names joined to the row they belong to)."""
    keys: list[RowKey] = []
    carried: dict[str, str] = {}
    levels = {col: layout.columns[col].level for col in block.code_columns}
    for index, row in enumerate(layout.body):
        code_cells = [clean_cell(_cell(row, col)) for col in block.code_columns]
        label_cell = _cell(row, block.label_column) if block.label_column is not None else ""
        label = clean_cell(label_cell)
        code: str | None = None
        if block.split_codes:
            code_cells = _damaged_parts_blank(code_cells, [levels[col] for col in block.code_columns], carried)
            parts = {levels[col] or "": cell for col, cell in zip(block.code_columns, code_cells, strict=True)}
            if all(not cell or re.fullmatch(r"\d{2,3}", cell) for cell in code_cells):
                code = _rebuild_split(parts, carried)
                if code is not None:
                    carried = {level: code[start:end] for level, start, end in _PART_SPANS if len(code) >= end}
            else:
                label = label or next((cell for cell in code_cells if cell), "")
        elif code_cells:
            cell = code_cells[0]
            if _CODE.match(cell):
                code = cell
            elif cell and not label:
                label = cell  # a total row's label spans the code and name cells
            elif cell and (pair := split_code_and_name(cell)) is not None:
                code, label = pair[0], label or pair[1]
            elif cell and cell not in _TOTAL_LABELS and not _CODE_PART.match(cell):
                code = cell  # a damaged code (3010): the mapping repairs it from the name, or flags it
        if code is None and label and (pair := split_code_and_name(label)) is not None:
            code, label = pair
        values = [clean_cell(_cell(row, col)) for col in block.value_columns]
        has_values = any(v and not is_empty_cell(v) for v in values)
        raw = "\t".join(_cell(row, col).strip() for col in block.columns if col not in block.value_columns)
        if not code and not label and not has_values:
            continue
        previous = keys[-1] if keys else None
        if (
            previous is not None
            and previous.row == index - 1
            and code is None
            and not has_values
            and label
            and _is_wrapped_rest(previous, label, bool(block.code_columns))
        ):
            keys[-1] = RowKey(previous.row, previous.code, previous.label + label, previous.raw + label)
            continue
        keys.append(RowKey(index, code, label, raw))
    return keys


def _is_wrapped_rest(previous: RowKey, label: str, coded: bool) -> bool:
    """A name-only row that finishes the name above it, wrapped onto a printed line of its own."""
    if is_numbered(label) or label.startswith("其中") or label in _TOTAL_LABELS:
        return False
    if coded or previous.code is not None:
        return previous.code is not None
    # Line-item blocks (summary tables): only a fragment that completes a known line.
    from juesuan.extract.mapping import is_known_line

    return not is_known_line(label) and is_known_line(previous.label + label)
