// A room per page: everyone's cursor, relayed to the others; the number of moves is kept in
// storage, and an alarm announces quiet rooms.
export default class Cursors {
  async onConnect(conn, ctx) {
    const color = `hsl(${Math.floor(Math.random() * 360)} 70% 50%)`
    conn.setAttachment({ color })
    conn.send({ type: 'welcome', id: conn.id, color, moves: (await ctx.storage.get('moves')) ?? 0 })
    ctx.broadcast({ type: 'joined', id: conn.id, color }, { exclude: [conn] })
  }

  async onMessage(conn, message, ctx) {
    const { x, y } = JSON.parse(message)
    if (!Number.isFinite(x) || !Number.isFinite(y)) return
    const moves = ((await ctx.storage.get('moves')) ?? 0) + 1
    await ctx.storage.put('moves', moves)
    ctx.broadcast(
      { type: 'cursor', id: conn.id, color: conn.attachment.color, x, y, moves },
      { exclude: [conn] },
    )
    await ctx.storage.setAlarm(Date.now() + 10_000)
  }

  onClose(conn, ctx) {
    ctx.broadcast({ type: 'left', id: conn.id })
  }

  onAlarm(ctx) {
    ctx.broadcast({ type: 'quiet', message: 'nobody moved for 10 seconds' })
  }

  async onRequest(_request, ctx) {
    return {
      body: { moves: (await ctx.storage.get('moves')) ?? 0, here: ctx.connections().length },
    }
  }
}
