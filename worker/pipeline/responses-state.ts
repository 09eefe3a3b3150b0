import { badRequest } from "../http/errors";
import type { ForwardableRequest } from "../schemas/openai";

// The Responses API can keep state on the origin (stored responses, background
// runs, conversations) under ids the origin hands out. Origins are shared by
// every tenant and know nothing of tenants, so one tenant could read or chain
// onto another's stored response by its id. Until responses are stored per
// tenant by Meridian itself, requests may not use origin-side state.

/** Fields that refer to, or create, state kept on the origin. */
const ORIGIN_STATE = ["previous_response_id", "conversation"] as const;

/** The body as origins get it (`store: false`), or a 400 if it asks for state kept on a shared origin. */
export function withoutOriginState(body: ForwardableRequest): ForwardableRequest {
  for (const field of ORIGIN_STATE) {
    if (body[field] !== undefined && body[field] !== null) {
      throw badRequest(`'${field}' is not supported: responses are not stored on Meridian's shared origins. Send the whole conversation instead.`, "unsupported_parameter", field);
    }
  }
  if (body.background === true) throw badRequest("'background' is not supported: Meridian streams or waits for the answer.", "unsupported_parameter", "background");
  if (body.store === true) throw badRequest("'store: true' is not supported: responses are not stored on Meridian's shared origins.", "unsupported_parameter", "store");
  // The API stores by default: say explicitly that nothing is to be kept.
  return { ...body, store: false };
}
