// Ids of Batch API objects: random, with OpenAI's prefixes. An id from a
// client is only looked up when it has exactly this shape, so a hostile id
// (a path, CR/LF, `__proto__`) is a plain 404 and never reaches a storage key.

const HEX = /^[0-9a-f]{32}$/;

function randomHex(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export const newFileId = (): string => `file-${randomHex()}`;
export const newBatchId = (): string => `batch_${randomHex()}`;
export const newLineId = (): string => `batch_req_${randomHex()}`;

export const isFileId = (id: string): boolean => id.startsWith("file-") && HEX.test(id.slice(5));
export const isBatchId = (id: string): boolean => id.startsWith("batch_") && HEX.test(id.slice(6));
