// Screen arithmetic as a pure function: how many rows each region gets and which
// pane columns fit. Everything drawn is sized from here, so "nothing wraps at 80x24"
// is a property of this file and tested as such.

export interface Layout {
  columns: number;
  rows: number;
  leftWidth: number;
  rightWidth: number;
  /** Height of each pane box, borders included. */
  paneHeight: number;
  /** File rows visible in a pane. */
  listRows: number;
  /** Transfer rows shown (the area shows when these or a stats row do). */
  transferRows: number;
  /** Height of the transfer box, borders included (0 when hidden). */
  transferHeight: number;
  messageRows: number;
  /** Rows the full views (help, logs, cache, results) get. */
  bodyHeight: number;
}

export const MIN_COLUMNS = 40;
export const MIN_ROWS = 12;

/** Pane chrome: title border, column header, summary line, bottom border. */
const PANE_CHROME = 4;

/**
 * `transfers` rows wanted in the transfer area, `statsRows` above them (the
 * batch's stats row); a dialog (`dialogRows`) takes the area's place.
 */
export function computeLayout(columns: number, rows: number, transfers: number, message: boolean, dialogRows = 0, statsRows = 0): Layout {
  const cols = Math.max(MIN_COLUMNS, columns);
  const r = Math.max(MIN_ROWS, rows);
  const messageRows = message ? 1 : 0;
  // Header and footer take a row each.
  const body = r - 2 - messageRows;
  const cap = Math.max(1, Math.min(8, Math.floor((r - 12) / 4)));
  const transferRows = Math.min(transfers, cap);
  const areaRows = transferRows + statsRows;
  const transferHeight = dialogRows > 0 ? dialogRows : areaRows > 0 ? areaRows + 2 : 0;
  const paneHeight = Math.max(PANE_CHROME + 1, body - transferHeight);
  const leftWidth = Math.floor(cols / 2);
  return {
    columns: cols,
    rows: r,
    leftWidth,
    rightWidth: cols - leftWidth,
    paneHeight,
    listRows: paneHeight - PANE_CHROME,
    transferRows: dialogRows > 0 ? 0 : transferRows,
    transferHeight,
    messageRows,
    bodyHeight: body,
  };
}

export interface PaneColumns {
  name: number;
  size: number;
  time: boolean;
  type: boolean;
}

export const SIZE_WIDTH = 9;
export const TIME_WIDTH = 16;
export const TYPE_WIDTH = 4;
const MIN_NAME = 12;

/**
 * Columns for a pane of `inner` width (inside the borders). Row shape:
 * marker(1) name ' ' size(8) [' ' time] [' ' type] ' ' verify(1).
 * The type column goes first when space runs out, then the time column.
 */
export function paneColumns(inner: number): PaneColumns {
  const fixed = 1 + SIZE_WIDTH + 2;
  let name = inner - fixed;
  let time = false;
  let type = false;
  if (name - (TIME_WIDTH + 1) >= MIN_NAME) {
    time = true;
    name -= TIME_WIDTH + 1;
    if (name - (TYPE_WIDTH + 1) >= MIN_NAME) {
      type = true;
      name -= TYPE_WIDTH + 1;
    }
  }
  return { name: Math.max(1, name), size: SIZE_WIDTH, time, type };
}
