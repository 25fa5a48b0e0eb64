// Entry point for `ferry` / `ferry tui`: alternate screen on enter, the exact
// previous screen back on exit, Ctrl-C, a signal or a crash.

import { render, type Instance } from 'ink';
import { App, type AppProps } from './components/App.js';
import { CrashBoundary } from './components/CrashBoundary.js';
import { Launcher, type LaunchProps } from './components/Launcher.js';
import { KeypressProvider } from './hooks/use-keypress.js';
import { CLEAR_SCREEN, enterScreen } from './terminal.js';
import { ThemeContext, themeFromEnv } from './theme.js';

/**
 * What the app shows (its props, less what run supplies, or a launcher that
 * picks a server first and then becomes the app) and the terminal it draws on.
 */
export type TuiOptions = (Omit<AppProps, 'onExit' | 'pingIntervalMs'> | { launch: LaunchProps }) & {
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** The user's colours (config file), already validated. */
  colors?: Record<string, string>;
  /** Ask the terminal for mouse reports (click, double-click, wheel); default yes. */
  mouse?: boolean;
};

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

export function runTui(options: TuiOptions): Promise<void> {
  const { stdout = process.stdout, stdin = process.stdin, colors, mouse, ...appProps } = options;
  const theme = themeFromEnv(process.env, colors);
  return new Promise<void>((resolve, reject) => {
    const screen = enterScreen(stdout, stdin, { mouse: mouse ?? true });
    let instance: Instance | undefined;
    let finished = false;

    const detach = () => {
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
      process.off('exit', screen.restore);
      stdout.off('resize', onResize);
      for (const s of SIGNALS) process.off(s, onSignal);
    };
    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      detach();
      try {
        instance?.unmount();
      } catch {
        // A broken tree may fail to unmount; the terminal still gets restored.
      }
      screen.restore();
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error(String(error)));
    };
    function onCrash(error: unknown) {
      finish(error);
    }
    function onSignal(signal: NodeJS.Signals) {
      finish();
      // Re-raise so the process ends the way the signal asked.
      process.kill(process.pid, signal);
    }
    // Ink redraws after a resize assuming the old frame is still where it left it;
    // on a resized alternate screen it is not, so start from a clean screen.
    // Registered before Ink's own listener, so it runs first.
    function onResize() {
      stdout.write(CLEAR_SCREEN);
    }

    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    process.on('exit', screen.restore);
    stdout.on('resize', onResize);
    for (const s of SIGNALS) process.once(s, onSignal);

    try {
      instance = render(
        <ThemeContext.Provider value={theme}>
          {/* Deferred: the boundary reports from inside React's commit, where
              unmounting would be postponed until after the terminal is restored. */}
          <CrashBoundary onCrash={(error) => setImmediate(onCrash, error)}>
            <KeypressProvider>
              {'launch' in appProps ? <Launcher {...appProps.launch} onExit={() => finish()} /> : <App {...appProps} onExit={() => finish()} />}
            </KeypressProvider>
          </CrashBoundary>
        </ThemeContext.Provider>,
        {
          stdout,
          stdin,
          exitOnCtrlC: false,
          // Stray console output would scribble over the screen; route it through
          // Ink. Only when drawing on the process's own terminal: with streams of
          // the caller's, the console is not on that screen.
          patchConsole: stdout === process.stdout,
          // Ink's default of 30 frames a second holds a key's frame back up to
          // 33 ms after the frame before it; busy state (transfers, check-all)
          // is throttled by its own stores, so keys alone come this fast.
          maxFps: 60,
          // Not incrementalRendering: in Ink 6.8 it places the next frame one row
          // low after a frame ending in a newline. Whole-frame redraws are wrapped
          // in synchronized-output marks, so terminals show them without flicker.
        },
      );
      instance.waitUntilExit().then(
        () => finish(),
        (err: unknown) => finish(err),
      );
    } catch (err) {
      finish(err);
    }
  });
}
