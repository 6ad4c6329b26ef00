import { AsyncResource } from 'node:async_hooks';
import type { ChildProcess } from 'node:child_process';
import { ThumbsmithError } from '../../domain/errors.js';
import type { Preset } from '../../domain/preset.js';
import { settleWithin } from '../../lib/timeout.js';
import type { Imager, ProbeOptions, RenderOptions } from '../imager.js';
import type { ImageInput } from '../input.js';
import type { ImagingLimits } from '../limits.js';
import type { RenderedVariant, RenderObserver } from '../pipeline.js';
import type { ProbeResult } from '../probe.js';
import { diedError, forkChild, residentBytes } from './child-process.js';
import { type ChildMessage, type ChildSettings, fromWireError, type PoolRequest } from './protocol.js';

/** What the pool logs through (pino's logger fits). */
export interface PoolLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface ImagingPoolOptions {
  /** Names the pool in logs (`probe`, `render`). */
  name: string;
  /** Most children; each runs one request at a time, further requests wait in FIFO order. */
  size: number;
  /** Resident memory a child may reach while it works; past it the child is killed (`TS_RENDER_MEMORY`). */
  memoryLimitMb: number;
  /** Deadline of a probe when the call gives none. */
  probeTimeoutMs: number;
  /** Deadline of a render when the call gives none. */
  renderTimeoutMs: number;
  /** libvips settings, applied inside each child. */
  settings: ChildSettings;
  logger: PoolLogger;
  /** How often a working child's resident memory is read. @defaultValue 25 */
  memoryPollMs?: number;
}

/** What a child is asked to do, before the pool numbers it. */
type RequestBody = PoolRequest extends infer R ? (R extends PoolRequest ? Omit<R, 'id'> : never) : never;
type Answer = Extract<ChildMessage, { type: 'probed' | 'rendered' }>;

interface Task {
  body: RequestBody;
  timeoutMs: number;
  budgetName: string;
  signal?: AbortSignal;
  observe?: RenderObserver;
  resolve(answer: Answer): void;
  reject(error: unknown): void;
}

interface Child {
  process: ChildProcess;
  pid: number | undefined;
  ready: boolean;
  /** Killed by the pool (over budget): already failed its request and replaced. */
  killed: boolean;
  running?: Running;
}

interface Running {
  id: number;
  task: Task;
  /** Render steps started and not yet ended, by the child's token: closed with the error if the child dies. */
  steps: Map<number, { label: string; done?: (error?: unknown) => void }>;
  cleanup(): void;
}

/** Longest wait for killed children to be gone when the pool closes. */
const CLOSE_EXIT_WAIT_MS = 2_000;

/**
 * Probes and renders in a pool of warm child processes, so a decoder running away with memory or CPU on hostile
 * bytes never runs inside the API's or the worker's own process. Each request gets a wall-clock deadline and a
 * memory ceiling (the child's resident memory, read from /proc while it works); a child over either is SIGKILLed at
 * once — the request fails with `TS_RENDER_TIMEOUT` or `TS_RENDER_MEMORY` — and a warm replacement is started. A child
 * that dies by itself mid-request fails it with `TS_RENDER_CRASHED` (a crash signal or exit: the input's fault, not
 * retried) or `TS_RENDER_INTERRUPTED` (killed from outside: retried).
 */
export class ImagingPool implements Imager {
  readonly #options: ImagingPoolOptions;
  readonly #children = new Set<Child>();
  readonly #waiting: Task[] = [];
  readonly #idleWaiters: Array<() => void> = [];
  #requestIds = 0;
  #closing = false;
  #memoryUnreadableLogged = false;

  constructor(options: ImagingPoolOptions) {
    this.#options = options;
  }

  /** Starts every child now, so the first requests do not pay for their start-up. */
  warm(): void {
    while (!this.#closing && this.#children.size < this.#options.size) this.#spawn();
  }

  /** The pool's state, for readiness checks and tests. */
  health(): { name: string; size: number; pids: number[]; busy: number; waiting: number } {
    const children = [...this.#children];
    return {
      name: this.#options.name,
      size: this.#options.size,
      pids: children.flatMap((child) => (child.pid === undefined ? [] : [child.pid])),
      busy: children.filter((child) => child.running).length,
      waiting: this.#waiting.length,
    };
  }

  async probe(input: ImageInput, limits: ImagingLimits, options: ProbeOptions = {}): Promise<ProbeResult> {
    const answer = await this.#run({ kind: 'probe', input, limits: { ...limits } }, 'Reading the image header', {
      ...options,
      timeoutMs: options.timeoutMs ?? this.#options.probeTimeoutMs,
    });
    if (answer.type !== 'probed') throw new Error(`imaging pool: a probe was answered with "${answer.type}"`);
    return answer.result;
  }

  async render(
    input: ImageInput,
    presets: readonly Preset[],
    limits: ImagingLimits,
    options: RenderOptions = {},
  ): Promise<RenderedVariant[]> {
    const answer = await this.#run({ kind: 'render', input, presets, limits: { ...limits } }, 'Rendering', {
      ...options,
      timeoutMs: options.timeoutMs ?? this.#options.renderTimeoutMs,
    });
    if (answer.type !== 'rendered') throw new Error(`imaging pool: a render was answered with "${answer.type}"`);
    return answer.variants.map((variant) => ({
      preset: presets[variant.presetIndex]!,
      data: Buffer.from(variant.data.buffer, variant.data.byteOffset, variant.data.byteLength),
      width: variant.width,
      height: variant.height,
      format: variant.format,
      contentType: variant.contentType,
    }));
  }

  /**
   * Refuses new requests and fails the waiting ones (`TS_SHUTTING_DOWN`), lets running requests finish for up to
   * `drainMs`, then kills every child and waits for them to be gone.
   */
  async close(drainMs = 2_000): Promise<void> {
    this.#closing = true;
    for (const task of this.#waiting.splice(0)) task.reject(shuttingDown());
    if (this.#busyCount() > 0) {
      await settleWithin(new Promise<void>((resolve) => this.#idleWaiters.push(resolve)), drainMs);
    }
    const exits = [...this.#children].map((child) => {
      this.#finish(child, { error: shuttingDown() });
      const exited = new Promise<void>((resolve) => {
        if (child.process.exitCode !== null || child.process.signalCode !== null) resolve();
        else child.process.once('exit', () => resolve());
      });
      child.process.ref();
      child.process.kill('SIGKILL');
      return exited;
    });
    // settleWithin's timer is ref'd, so it holds the process open while it waits: the exit of a child killed while
    // still starting was seen to arrive after the event loop had already emptied (the process then ended with code 0
    // in the middle of a failed start). Bounded: a child whose exit never shows is not worth a hung shutdown.
    await settleWithin(Promise.all(exits), CLOSE_EXIT_WAIT_MS);
  }

  #run(body: RequestBody, budgetName: string, options: RenderOptions & { timeoutMs: number }): Promise<Answer> {
    if (this.#closing) return Promise.reject(shuttingDown());
    return new Promise<Answer>((resolve, reject) => {
      const task: Task = {
        body,
        budgetName,
        timeoutMs: options.timeoutMs,
        ...(options.signal && { signal: options.signal }),
        // Bound to the caller's async context: the child's step messages arrive in the IPC channel's context, and
        // the observer's spans must join the caller's trace (its job), not whichever one forked the child.
        ...(options.observe && { observe: AsyncResource.bind(options.observe) }),
        resolve,
        reject,
      };
      if (options.signal?.aborted) {
        reject(cancelled(options.signal));
        return;
      }
      this.#waiting.push(task);
      // Cancelled while waiting for a child: leave the queue.
      options.signal?.addEventListener(
        'abort',
        () => {
          const index = this.#waiting.indexOf(task);
          if (index >= 0) {
            this.#waiting.splice(index, 1);
            reject(cancelled(options.signal!));
          }
        },
        { once: true },
      );
      this.#pump();
    });
  }

  /** Hands waiting requests to idle children, starting children (up to `size`) while requests wait for one. */
  #pump(): void {
    while (this.#waiting.length > 0 && !this.#closing) {
      const idle = [...this.#children].find((child) => child.ready && !child.running);
      if (!idle) break;
      this.#start(idle, this.#waiting.shift()!);
    }
    const starting = [...this.#children].filter((child) => !child.ready).length;
    const wanted = Math.min(this.#waiting.length - starting, this.#options.size - this.#children.size);
    for (let i = 0; i < wanted && !this.#closing; i++) this.#spawn();
    this.#holdProcess();
  }

  /** Children keep this process alive only while requests wait or run: idle ones must not keep it from exiting. */
  #holdProcess(): void {
    const working = this.#waiting.length > 0 || this.#busyCount() > 0;
    for (const { process: subprocess } of this.#children) {
      if (working) {
        subprocess.ref();
        subprocess.channel?.ref();
      } else {
        subprocess.unref();
        subprocess.channel?.unref();
      }
    }
  }

  #spawn(): void {
    const subprocess = forkChild(this.#options.settings);
    const child: Child = { process: subprocess, pid: subprocess.pid, ready: false, killed: false };
    this.#children.add(child);
    this.#holdProcess();
    subprocess.on('message', (message: ChildMessage) => this.#onMessage(child, message));
    subprocess.on('error', (error) => {
      this.#options.logger.warn({ err: error, pool: this.#options.name, pid: child.pid }, 'imaging child error');
    });
    subprocess.once('exit', (exitCode, signal) => this.#onExit(child, exitCode, signal));
  }

  #onMessage(child: Child, message: ChildMessage): void {
    if (message.type === 'ready') {
      child.ready = true;
      this.#options.logger.info({ pool: this.#options.name, pid: child.pid }, 'imaging child started');
      this.#pump();
      return;
    }
    const running = child.running;
    if (!running || running.id !== message.id) return;
    switch (message.type) {
      case 'step-start': {
        const event = { step: message.step, ...(message.preset && { preset: message.preset }) };
        const label = message.preset ? `${message.step} "${message.preset}"` : message.step;
        running.steps.set(message.token, { label, done: running.task.observe?.(event) });
        return;
      }
      case 'step-end':
        running.steps.get(message.token)?.done?.(message.error && fromWireError(message.error));
        running.steps.delete(message.token);
        return;
      case 'failed':
        this.#finish(child, { error: fromWireError(message.error) });
        return;
      default:
        this.#finish(child, { answer: message });
    }
  }

  #onExit(child: Child, exitCode: number | null, signal: NodeJS.Signals | null): void {
    this.#children.delete(child);
    if (child.killed) return;
    const fields = { pool: this.#options.name, pid: child.pid, exitCode, signal };
    if (child.running) {
      const error = diedError(child.running.task.budgetName, exitCode, signal);
      this.#options.logger.warn({ ...fields, code: error.code }, 'imaging child died during a request');
      this.#finish(child, { error });
    } else if (!this.#closing) {
      this.#options.logger.warn(fields, 'imaging child exited');
    }
    if (this.#closing) return;
    if (!child.ready) {
      // It never started: fail what waits instead of starting children in a loop; the next request tries again.
      for (const task of this.#waiting.splice(0)) {
        task.reject(new ThumbsmithError('TS_INTERNAL', 'The imaging process could not be started.'));
      }
      return;
    }
    this.#replace();
    this.#pump();
  }

  /** Starts one child in place of one that is gone (a pool that was warm stays warm). */
  #replace(): void {
    if (!this.#closing && this.#children.size < this.#options.size) this.#spawn();
  }

  #start(child: Child, task: Task): void {
    const id = ++this.#requestIds;
    const { name } = this.#options;
    const deadline = setTimeout(() => {
      const budget = `${task.budgetName} took longer than ${task.timeoutMs} ms${this.#during(child)}`;
      this.#kill(child, new ThumbsmithError('TS_RENDER_TIMEOUT', `${budget}; it was stopped.`));
    }, task.timeoutMs);
    const memoryPoll = setInterval(() => void this.#checkMemory(child, id), this.#options.memoryPollMs ?? 25);
    const onAbort = () => this.#kill(child, cancelled(task.signal!));
    task.signal?.addEventListener('abort', onAbort, { once: true });
    child.running = {
      id,
      task,
      steps: new Map(),
      cleanup: () => {
        clearTimeout(deadline);
        clearInterval(memoryPoll);
        task.signal?.removeEventListener('abort', onAbort);
      },
    };
    const request = { ...task.body, id } as PoolRequest;
    child.process.send(request, (error) => {
      if (error) this.#kill(child, new ThumbsmithError('TS_INTERNAL', `The ${name} process could not be reached.`));
    });
  }

  /** Settles the child's running request, if any, and hands it the next one. */
  #finish(child: Child, outcome: { answer: Answer } | { error: unknown }): void {
    const running = child.running;
    if (!running) return;
    child.running = undefined;
    running.cleanup();
    for (const { done } of running.steps.values())
      done?.('error' in outcome ? outcome.error : new Error('step not ended'));
    if ('answer' in outcome) running.task.resolve(outcome.answer);
    else running.task.reject(outcome.error);
    if (this.#busyCount() === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    this.#pump();
  }

  /** Stops a child over budget at once: its request fails now, and its replacement starts when it is gone. */
  #kill(child: Child, error: ThumbsmithError, fields: object = {}): void {
    if (!child.running) return;
    this.#options.logger.warn(
      { pool: this.#options.name, pid: child.pid, code: error.code, ...fields },
      'imaging child killed: over budget',
    );
    child.killed = true;
    this.#children.delete(child);
    this.#finish(child, { error });
    child.process.kill('SIGKILL');
    // Replace it now rather than on 'exit': the kernel frees its memory either way.
    this.#replace();
  }

  async #checkMemory(child: Child, id: number): Promise<void> {
    if (child.pid === undefined) return;
    const rss = await residentBytes(child.pid);
    if (rss === undefined) {
      if (!this.#memoryUnreadableLogged) {
        this.#memoryUnreadableLogged = true;
        this.#options.logger.warn({ pool: this.#options.name }, 'cannot read child memory (/proc); no memory ceiling');
      }
      return;
    }
    const limitBytes = this.#options.memoryLimitMb * 1024 * 1024;
    if (child.running?.id !== id || rss <= limitBytes) return;
    const limit = `${this.#options.memoryLimitMb} MB of memory`;
    const budget = `${child.running.task.budgetName} needed more than ${limit}${this.#during(child)}`;
    this.#kill(child, new ThumbsmithError('TS_RENDER_MEMORY', `${budget}; it was stopped.`), {
      rssMb: Math.round(rss / 1024 / 1024),
    });
  }

  /** `, during <the step the child was in>` for a message, when the child reported steps. */
  #during(child: Child): string {
    const current = [...(child.running?.steps.values() ?? [])].at(-1);
    return current ? `, during ${current.label}` : '';
  }

  #busyCount(): number {
    return [...this.#children].filter((child) => child.running).length;
  }
}

/** The caller's reason when it is a catalogue error (the worker stopping, a lost job lock), else a timeout. */
function cancelled(signal: AbortSignal): ThumbsmithError {
  if (signal.reason instanceof ThumbsmithError) return signal.reason;
  return new ThumbsmithError('TS_RENDER_TIMEOUT', 'Rendering was cancelled', { cause: signal.reason });
}

function shuttingDown(): ThumbsmithError {
  return new ThumbsmithError('TS_SHUTTING_DOWN', 'The imaging pool is closing.');
}
