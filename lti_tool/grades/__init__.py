"""Grade passback: the sending of the score outbox (`outbox`) and the sender that does it in a process (`sender`)."""
