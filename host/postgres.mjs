// Where the team's host processes find Postgres: the published port stack hands them (stack.yaml env) and
// the credentials compose gives the container (.env).
export const postgresConfig = () => ({
  host: process.env.POSTGRES_HOST || '127.0.0.1',
  port: Number(process.env.POSTGRES_PORT || 5432),
  user: process.env.POSTGRES_USER,
  password: process.env.POSTGRES_PASSWORD,
  database: process.env.POSTGRES_DB,
});
