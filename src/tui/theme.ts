// Colours in one place. NO_COLOR (https://no-color.org) turns every colour off;
// emphasis that is not colour (bold, inverse, dim) stays, so the selected row and the
// focused pane remain obvious without colour.

import { createContext, useContext } from 'react';

export interface Theme {
  color: boolean;
  accent?: string;
  focus?: string;
  muted?: string;
  ok?: string;
  warn?: string;
  error?: string;
  dir?: string;
  marked?: string;
  tcp?: string;
  udp?: string;
}

export const colorTheme: Theme = {
  color: true,
  accent: 'cyan',
  focus: 'cyanBright',
  muted: 'gray',
  ok: 'green',
  warn: 'yellow',
  error: 'red',
  dir: 'blue',
  marked: 'yellow',
  tcp: 'blue',
  udp: 'magenta',
};

export const plainTheme: Theme = { color: false };

/** The parts of the theme a user may recolour (config file `colors`). */
export const THEME_SLOTS = ['accent', 'focus', 'muted', 'ok', 'warn', 'error', 'dir', 'marked', 'tcp', 'udp'] as const;
type Slot = (typeof THEME_SLOTS)[number];

const BASE_COLORS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
/** Colour names Ink (through chalk) draws, plus #rgb and #rrggbb. */
const COLOR_NAMES = new Set([...BASE_COLORS, ...BASE_COLORS.map((c) => `${c}Bright`), 'gray', 'grey']);

export function isColor(value: string): boolean {
  return COLOR_NAMES.has(value) || /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(value);
}

/** The colour theme with the user's colours in place, or what is wrong with them. */
export function themeWith(colors: Record<string, unknown>): { theme: Theme; problems: string[] } {
  const problems: string[] = [];
  const theme: Theme = { ...colorTheme };
  for (const [slot, value] of Object.entries(colors)) {
    if (!(THEME_SLOTS as readonly string[]).includes(slot)) problems.push(`unknown colour '${slot}' (one of: ${THEME_SLOTS.join(', ')})`);
    else if (typeof value !== 'string' || !isColor(value))
      problems.push(`'${slot}': '${String(value)}' is not a colour (a name such as cyan or blueBright, or #rrggbb)`);
    else theme[slot as Slot] = value;
  }
  return { theme, problems };
}

/** NO_COLOR set to any non-empty value disables colour. */
export function themeFromEnv(env: NodeJS.ProcessEnv = process.env, colors: Record<string, unknown> = {}): Theme {
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? plainTheme : themeWith(colors).theme;
}

export const ThemeContext = createContext<Theme>(colorTheme);

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
