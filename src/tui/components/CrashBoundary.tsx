// A render error must not leave Ink's stack-trace overview on a raw-mode alternate
// screen: hand the error to the runner, which restores the terminal first.

import { Component, type ReactNode } from 'react';

export class CrashBoundary extends Component<{ onCrash(error: unknown): void; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidCatch(error: unknown): void {
    this.props.onCrash(error);
  }

  override render(): ReactNode {
    return this.state.failed ? null : this.props.children;
  }
}
