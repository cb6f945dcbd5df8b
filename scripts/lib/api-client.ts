/** A minimal JSON client for the Worker's REST API, used by the dev scripts. */
export class ApiClient {
  readonly baseUrl: string;
  readonly token: string;

  constructor(baseUrl: string, token: string) {
    this.baseUrl = baseUrl;
    this.token = token;
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    okStatuses: number[] = [200, 201, 204],
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!okStatuses.includes(response.status)) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).body;
  }

  async post<T>(path: string, body: unknown, okStatuses?: number[]): Promise<{ status: number; body: T }> {
    return this.request<T>('POST', path, body, okStatuses);
  }
}
