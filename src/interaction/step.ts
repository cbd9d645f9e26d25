// A step of the sign-in as a declaration, and the one registrar that turns steps into routes. A step says which
// prompt it answers (the page GET /interaction/:uid shows for it), where its pages are, when they apply, and what
// each does; the registrar applies the same order to every page:
//   prepare (error pages know where "try again" goes) → form body (POST) → CSRF → load the interaction
//   → guard (outside the step's moment: to the sign-in's current page) → the page's own work.
// Adding a step (social login is next) is one declaration in its own file, listed in routes.ts, plus the policy.
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { csrf } from '../http/csrf.ts';
import { formBody } from '../http/form-body.ts';
import { interactionPath, loadInteraction, type LoadedInteraction } from './context.ts';
import { seeOther } from './mfa-decide.ts';

export interface StepPage {
  method: 'get' | 'post';
  /** Below /interaction/:uid, e.g. '/signup/verify'. */
  path: string;
  /** Before anything is read: refuse a page the configuration switched off (e.g. sign-up). */
  available?: () => void;
  /** When this page applies, instead of its step's `at`. */
  at?: (loaded: LoadedInteraction) => boolean;
  handle(ctx: Context, loaded: LoadedInteraction): Promise<void> | void;
}

export interface Step {
  /** The prompt this step answers: GET /interaction/:uid renders it while the prompt is open. */
  prompt?: string;
  render?: (ctx: Context, loaded: LoadedInteraction) => Promise<void> | void;
  /** When the step's pages apply (default: always; the page itself then decides). */
  at?: (loaded: LoadedInteraction) => boolean;
  pages: readonly StepPage[];
}

type PageOptions = Pick<StepPage, 'available' | 'at'>;
export const get = (path: string, handle: StepPage['handle'], opts: PageOptions = {}): StepPage => ({ method: 'get', path, handle, ...opts });
export const post = (path: string, handle: StepPage['handle'], opts: PageOptions = {}): StepPage => ({ method: 'post', path, handle, ...opts });

/** Registers every page of `steps` on `router`, each behind `prepare`, in the one order above. */
export function registerSteps(router: Router, steps: readonly Step[], opts: { provider: () => Provider; prepare: Middleware }): void {
  for (const step of steps) {
    for (const page of step.pages) {
      const chain: Middleware[] = page.method === 'post' ? [opts.prepare, formBody(), csrf()] : [opts.prepare, csrf()];
      router[page.method](`/interaction/:uid${page.path}`, ...chain, async (ctx: Context) => {
        page.available?.();
        const loaded = await loadInteraction(ctx, opts.provider());
        // A second submit (other tab, Back) after the step is done, or a page of a step not reached yet.
        const at = page.at ?? step.at;
        if (at && !at(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
        await page.handle(ctx, loaded);
      });
    }
  }
}

/** The page of the step that answers the interaction's open prompt, or undefined. */
export function stepFor(steps: readonly Step[], prompt: string): Step['render'] {
  return steps.find((s) => s.prompt === prompt)?.render;
}
