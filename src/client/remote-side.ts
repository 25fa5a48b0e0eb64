// The remote pane: a share seen through FerryApi. Thin on purpose: filtering, search
// and confinement happen on the server.

import type { Entry, FerryApi, ListOptions, ListStream, ReadOptions, ReadResult, Side, WatchOptions } from './types.js';

export class RemoteSide implements Side {
  readonly kind = 'remote' as const;

  constructor(private readonly api: FerryApi) {}

  get label(): string {
    return this.api.info.address;
  }

  list(options: ListOptions = {}): Promise<Entry[]> {
    return this.api.list(options);
  }

  listStream(options: ListOptions, stream: ListStream): Promise<number> {
    return this.api.listStream(options, stream);
  }

  read(path: string, options: ReadOptions = {}): Promise<ReadResult> {
    return this.api.read(path, options);
  }

  watch(path: string, options: WatchOptions): Promise<void> {
    return this.api.watch(path, options);
  }
}
