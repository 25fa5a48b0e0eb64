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

/** NO_COLOR set to any non-empty value disables colour. */
export function themeFromEnv(env: NodeJS.ProcessEnv = process.env): Theme {
  return env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '' ? plainTheme : colorTheme;
}

export const ThemeContext = createContext<Theme>(colorTheme);

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
