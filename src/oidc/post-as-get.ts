// OIDC Core 3.1.2.1: the authorization endpoint must accept POST as well as GET (form-encoded parameters); RP-initiated
// logout likewise. oidc-provider serves POST there only with SameSite=None session cookies, which would let every
// other site send the customer's session along with its requests. Instead a POST is answered with 303 to the same
// endpoint, its parameters moved to the query unchanged (order and repeats kept, so that oidc-provider judges them
// exactly as it judges a GET): the browser follows with a top-level GET navigation, which carries SameSite=Lax
// cookies, so the customer's session (single sign-on) and every check work as for a GET.
import Router from '@koa/router';
import { formBody } from '../http/form-body.ts';

export const POST_AS_GET_PATHS = ['/auth', '/session/end'] as const;

export function postAsGet(): Router {
  const router = new Router();
  for (const path of POST_AS_GET_PATHS) {
    router.post(path, formBody(), (ctx) => {
      const params = new URLSearchParams(ctx.request.rawBody ?? '');
      ctx.status = 303;
      ctx.redirect(params.size ? `${path}?${params}` : path);
    });
  }
  return router;
}
