// Runs while a WebSocket connects: a name is required, and becomes a claim of the connection.
export default function (event) {
  const name = event.queryStringParameters.name?.trim()
  if (!name || name.length > 32) return { reject: { code: 4400, message: 'pick a name' } }
  return { claims: { name } }
}
