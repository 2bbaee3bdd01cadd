// {"action":"joinRoom","room":"lobby"}: subscribes the caller and greets it alone.
export default async function (event, ctx) {
  const room = String(event.body.room ?? 'lobby')
  const subscribed = await ctx.subscribe(`chat:${room}`)
  await ctx.send(event.requestContext.connectionId, {
    notice: `welcome to ${room}, ${event.user.claims.name}`,
  })
  return { room, offset: subscribed.offset }
}
