// A tiny client for the admin API, used by the dev seeder, the `meridian` CLI, tests and benchmarks.

/** The parts of an OpenAI-shaped error body the admin API sends. */
export interface ApiErrorBody {
  message?: string;
  code?: string;
  param?: string | null;
  /** Field-level validation errors, when the body broke a schema. */
  errors?: { path: string; message: string }[];
  [extra: string]: unknown;
}

/** A non-2xx answer from the admin API. */
export class AdminApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    /** The parsed JSON body, or the raw text when it was not JSON. */
    readonly body: unknown,
  ) {
    super(`${method} ${path} -> ${status}: ${typeof body === "string" ? body : JSON.stringify(body)}`);
  }

  /** `error` of an OpenAI-shaped body, or an empty object. */
  get error(): ApiErrorBody {
    const error = (this.body as { error?: unknown } | null)?.error;
    return typeof error === "object" && error !== null ? (error as ApiErrorBody) : {};
  }
}

export interface AdminResponse<T> {
  status: number;
  body: T;
}

export class AdminClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** The status and parsed body; throws `AdminApiError` unless it is 2xx. */
  async send<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<AdminResponse<T>> {
    const res = await fetch(`${this.baseUrl.replace(/\/+$/, "")}/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = parseBody(text);
    if (!res.ok) throw new AdminApiError(method, path, res.status, parsed);
    return { status: res.status, body: parsed as T };
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return (await this.send<T>(method, path, body)).body;
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
