// Every bench user's password, apart from users.mjs so that the argon2id
// child loads @node-rs/argon2 and nothing of the server.

/** Every bench user's password. */
export const BENCH_PASSWORD = 'correct horse battery staple, benchmarked';
