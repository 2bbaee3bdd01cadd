/** The checks every room store makes on a mutation's fence (see ports/room-store.ts). */
import { ErrorCode } from '@switchboard/protocol'
import { SwitchboardError } from '../../errors.js'

/** Throws `bad_request` unless `fence` is a non-negative safe integer. */
export function checkFence(fence: number): void {
  if (Number.isSafeInteger(fence) && fence >= 0) return
  throw new SwitchboardError(
    ErrorCode.BadRequest,
    `room store fence must be a non-negative safe integer, got ${String(fence)}`,
  )
}

/** The refusal of a mutation whose fence is below the highest the room has seen. */
export function roomFenced(room: string, fence: number, highest: number): SwitchboardError {
  return new SwitchboardError(
    ErrorCode.RoomFenced,
    `room ${room} is fenced: this write has fence ${fence}, the room has seen ${highest}` +
      '; another node owns it now',
  )
}
