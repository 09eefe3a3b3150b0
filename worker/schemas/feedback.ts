// `POST /v1/feedback`: a user's verdict on one answer, which `auto` learns from.
import * as z from "zod/mini";

export const feedbackInput = z.strictObject({
  /** The `x-request-id` of the answer being rated. */
  request_id: z.string().check(z.minLength(1), z.maxLength(128)),
  /** 0..1, or thumbs: `up` (1) / `down` (0). */
  rating: z.union([z.number().check(z.minimum(0), z.maximum(1)), z.enum(["up", "down"])]),
});

export function ratingValue(rating: z.infer<typeof feedbackInput>["rating"]): number {
  return rating === "up" ? 1 : rating === "down" ? 0 : rating;
}
