#!/usr/bin/env python3
"""A local SMTP server that keeps what it receives (Debian's python3-aiosmtpd), for `make run` and
`make test`: each accepted message is written to DIR/mail/<n>.eml and a line of DIR/mail/log.jsonl
(recipients, sender, Message-ID, subject, time). Nothing is relayed anywhere.

Behaviour for tests, read from DIR/control.json at each message (absent: accept everything):
  {"tempfail": {"addr@x": 2}}   answer 451 to RCPT for that address the next 2 times, then accept
  {"reject": ["addr@x"]}        answer 550 to RCPT for that address
  {"hold": {"addr@x": 3}}       wait that long before answering DATA for that address; a client gone
                                meanwhile never got its 250, so (as RFC 5321 has it) the message is
                                not kept

usage: smtp-sink.py DIR PORT
"""
import asyncio
import email
import email.policy
import json
import os
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.mail = os.path.join(directory, "mail")
        os.makedirs(self.mail, exist_ok=True)
        self.tempfails = {}

    def control(self):
        try:
            with open(os.path.join(self.directory, "control.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        control = self.control()
        if address in control.get("reject", []):
            return "550 5.1.1 No such mailbox here"
        wanted = control.get("tempfail", {}).get(address, 0)
        done = self.tempfails.get(address, 0)
        if done < wanted:
            self.tempfails[address] = done + 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        holds = self.control().get("hold", {})
        hold = max([float(holds.get(address, 0)) for address in envelope.rcpt_tos] or [0])
        if hold > 0:
            await asyncio.sleep(hold)
            transport = getattr(session, "transport", None)
            if transport is None or transport.is_closing():
                return "421 4.4.2 Connection gone before the answer"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        names = [n for n in os.listdir(self.mail) if n.endswith(".eml")]
        path = os.path.join(self.mail, f"{len(names) + 1:06d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.content)
        os.replace(path + ".tmp", path)
        with open(os.path.join(self.mail, "log.jsonl"), "a") as log:
            log.write(json.dumps({"file": os.path.basename(path), "from": envelope.mail_from, "to": envelope.rcpt_tos,
                                  "message_id": message.get("Message-ID", ""), "subject": str(message.get("Subject", "")),
                                  "at": time.time()}, ensure_ascii=False) + "\n")
        return "250 OK: kept"


def main():
    directory, port = sys.argv[1], int(sys.argv[2])
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp-sink: listening on 127.0.0.1:{port}, keeping mail in {directory}/mail", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
