import type { Logger } from 'pino';
import type { Environment } from '../db/database.js';

/**
 * Runs `pass` over and over in the background: again at once while it finds work (returns > 0),
 * otherwise after `pollMs`, or sooner when `wake()` is called (say, after this process committed
 * new work). A wake during a pass is not lost: the next pass starts at once. While passes find
 * nothing, the wait doubles up to 5 × `pollMs`, so an idle process costs little; work or a wake
 * brings it back to `pollMs`.
 */
export class PollingLoop {
  private running = false;
  private pending = false;
  private wakeSleeper: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly pass: () => Promise<number>,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {}

  private lingering: NodeJS.Timeout | undefined;

  wake(): void {
    this.pending = true;
    this.wakeSleeper?.();
  }

  /** Wakes the loop `ms` from now, once however often it is called meanwhile: a burst of work becomes one pass. */
  wakeSoon(ms: number): void {
    this.lingering ??= setTimeout(() => {
      this.lingering = undefined;
      this.wake();
    }, ms);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      let idle = 0;
      while (this.running) {
        this.pending = false;
        let n = 0;
        try {
          n = await this.pass();
        } catch (err) {
          this.logger.error({ err, loop: this.name }, 'background pass failed');
        }
        if (!this.running) break;
        if (n > 0 || this.pending) {
          idle = 0;
          continue;
        }
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          this.wakeSleeper = resolve;
          timer = setTimeout(resolve, Math.min(this.pollMs * 5, this.pollMs * 2 ** idle++));
        });
        clearTimeout(timer);
        this.wakeSleeper = undefined;
        if (this.pending) idle = 0;
      }
    })();
  }

  /** Stops after the pass in progress (if any) ends. */
  async stop(): Promise<void> {
    clearTimeout(this.lingering);
    this.running = false;
    this.wakeSleeper?.();
    await this.loop;
  }
}

/**
 * A background worker's loop over every environment (live, test and the partner sandboxes): `runOnce(env)` does one batch in one
 * environment and says how many items it took. `drain` runs passes until one finds nothing (tests,
 * shutdown); `start` runs them in the background as a PollingLoop, going straight on while some
 * environment has a backlog (`backlog(n)`, by default any work at all).
 */
export class EnvironmentLoop {
  private loop: PollingLoop | undefined;

  constructor(
    private readonly name: string,
    private readonly environments: () => Promise<readonly Environment[]>,
    private readonly runOnce: (env: Environment) => Promise<number>,
    private readonly pollMs: number,
    private readonly logger: Logger,
    private readonly backlog: (n: number) => boolean = (n) => n > 0,
  ) {}

  /** One batch in each environment; the items taken in all. */
  async runAll(): Promise<number> {
    let n = 0;
    for (const env of await this.environments()) n += await this.runOnce(env);
    return n;
  }

  async drain(): Promise<number> {
    let total = 0;
    for (let n = await this.runAll(); n > 0; n = await this.runAll()) total += n;
    return total;
  }

  start(): void {
    if (this.loop) return;
    this.loop = new PollingLoop(
      this.name,
      async () => {
        let behind = 0;
        for (const env of await this.environments()) if (this.backlog(await this.runOnce(env))) behind++;
        return behind;
      },
      this.pollMs,
      this.logger,
    );
    this.loop.start();
  }

  wake(): void {
    this.loop?.wake();
  }

  wakeSoon(ms: number): void {
    this.loop?.wakeSoon(ms);
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    this.loop = undefined;
  }
}
