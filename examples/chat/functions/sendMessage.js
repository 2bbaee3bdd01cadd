// {"action":"sendMessage","room":"lobby","text":"hi"}: publishes to chat:<room>, replies the offset.
export default async function (event, ctx) {
  const { room, text } = event.body
  if (typeof room !== 'string' || typeof text !== 'string' || text.length === 0) {
    return { ok: false, reason: 'room and text are required' }
  }
  const { offset } = await ctx.publish(`chat:${room}`, {
    from: event.user.claims.name,
    text: text.slice(0, 500),
  })
  await ctx.kv.set(`last:${room}`, String(Date.now()))
  return { ok: true, offset }
}
