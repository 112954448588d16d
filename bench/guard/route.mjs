// The route every target server of the guard benchmark protects, and what it
// requires: shared by the servers and by the benchmark that checks their answers.

export const ROUTE = '/api/transfers';

/** RFC 9470: level aal2, authenticated within the last 300 s. */
export const REQUIREMENT = Object.freeze({ acr: 'aal2', maxAge: 300 });

/** The guard's default leeway, so that every server judges ages the same way. */
export const CLOCK_TOLERANCE = 5;

/** The API's resource indicator (the tokens' `aud`). */
export const AUDIENCE = 'http://127.0.0.1/bench-api';
