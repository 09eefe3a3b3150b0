import { notFound } from "../http/errors";

/** The same answer for a model that does not exist and one the tenant may not use: no probing. */
export const modelNotFound = (model: string) =>
  notFound(`The model '${model}' does not exist or you do not have access to it.`, "model_not_found");
