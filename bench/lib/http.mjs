// Small HTTP helpers of the benchmarks' checks and preparation: a request
// that keeps the answer's status, text, parsed JSON body and cookies, and a
// loop that runs many such calls with a bounded number in flight (outside
// the measured windows).

/**
 * POSTs (or GETs, without a body) and reads the whole answer.
 *
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: string }} request
 * @returns {Promise<{ status: number, text: string, json: any, cookies: string[] }>} cookies: `name=value` pairs set by the answer
 */
export async function send(url, { method = 'POST', headers = {}, body } = {}) {
  const response = await fetch(url, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, cookies: response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]) };
}

/**
 * Calls `task(i)` for i in 0…count−1, at most `concurrency` at a time.
 *
 * @param {number} count
 * @param {number} concurrency
 * @param {(i: number) => Promise<void>} task
 */
export async function inParallel(count, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
