/**
 * The room class the room tests run: a counter whose increments are correct only because a
 * room runs one event at a time, with tags, broadcast, alarms and an HTTP view of its state.
 */
export const COUNTER = `
export default class Counter {
  constructor() { this.instance = Math.random() }
  async onConnect(conn, ctx) {
    conn.setTags(['player'])
    conn.send({ hello: ctx.id })
  }
  async onMessage(conn, message, ctx) {
    const { op, tag } = JSON.parse(message)
    if (op === 'tag') { conn.setTags([tag]); return }
    if (op === 'shout') { ctx.broadcast({ from: conn.id }, { exclude: [conn] }); return }
    if (op === 'team') { ctx.broadcast({ team: true }, { tag: 'red' }); return }
    // Read, yield, write: correct only because a room runs one event at a time.
    const count = (await ctx.storage.get('count')) ?? 0
    await new Promise((resolve) => setTimeout(resolve, 0))
    await ctx.storage.put('count', count + 1)
  }
  async onAlarm(ctx) {
    await ctx.storage.put('fired', Date.now())
  }
  async onRequest(request, ctx) {
    if (request.method === 'POST' && request.path === '/alarm') {
      await ctx.storage.setAlarm(Date.now() + Number(request.body))
      return { status: 202, body: { armed: true } }
    }
    return { body: {
      count: (await ctx.storage.get('count')) ?? 0,
      fired: (await ctx.storage.get('fired')) !== undefined,
      instance: this.instance,
      connections: ctx.connections().length,
    } }
  }
}
`

/** The counter room's state, from its `onRequest`. */
export async function roomState(base: string, id: string): Promise<any> {
  const response = await fetch(`${base}/rooms/counter/${id}/`)
  return response.json()
}
