/// The lifecycles of `resources.md` ("Lifecycles"), one method each.
extension Story {
    enum CallOutcome { case answered, busy, noAnswer }

    // MARK: Calls

    /// An inbound or outbound call: answered (maybe recorded, maybe transcribed), busy, or not
    /// answered.
    mutating func call() {
        let outcome: CallOutcome = chance(70) ? .answered : chance(50) ? .busy : .noAnswer
        _ = call(outbound: chance(60), outcome: outcome, ours: number(), theirs: number())
    }

    /// One call and its activeflow; answers the call's final state.
    @discardableResult
    mutating func call(outbound: Bool, outcome: CallOutcome, ours: String, theirs: String,
                       flowActions: Bool = true) -> ResourceState {
        var flow = template("activeflow_created")
        flow["status"] = .string("running")
        flow["reference_type"] = .string("call")
        flow["current_action"] = action(nil, executed: false)
        flow["executed_actions"] = nil
        flow["tm_create"] = now
        flow["tm_update"] = .null
        flow["tm_delete"] = .null
        var call = template("call_created")
        flow["reference_id"] = .string(call.id)
        call["activeflow_id"] = flow["id"]
        call["flow_id"] = flow["flow_id"]
        emit("activeflow_created", flow)
        wait(0.05, 0.3)

        call["action"] = action(nil, executed: false)
        call["recording_id"] = .string("00000000-0000-0000-0000-000000000000")
        call["recording_ids"] = nil
        for key in ["hangup_by", "hangup_reason", "tm_ringing", "tm_progressing", "tm_hangup", "tm_update"] { call[key] = nil }
        call["tm_create"] = now
        if outbound {
            call["direction"] = .string("outgoing")
            call["status"] = .string("dialing")
            call["source"] = Self.address(ours)
            call["destination"] = Self.address(theirs)
        } else {
            call["direction"] = .string("incoming")
            call["status"] = .string("ringing")
            call["source"] = Self.address(theirs, name: pick(Self.callers))
            call["destination"] = Self.address(ours)
        }
        emit("call_created", call)

        func update(_ call: inout ResourceState, _ status: String, _ stamp: String? = nil) {
            call["status"] = .string(status)
            if let stamp { call[stamp] = now }
            call["tm_update"] = now
        }
        if outbound, outcome == .answered || chance(60) {
            wait(0.3, 2)
            update(&call, "ringing", "tm_ringing")
            emit("call_ringing", call)
        }
        guard outcome == .answered else {
            wait(outcome == .busy ? 0.5 : 20, outcome == .busy ? 3 : 40)
            update(&call, "hangup", "tm_hangup")
            call["hangup_by"] = .string("remote")
            call["hangup_reason"] = .string(outcome == .busy ? "busy" : "noanswer")
            emit("call_hangup", call)
            endFlow(&flow)
            return call
        }

        var executed: [JSONValue] = [flow["current_action"] ?? .null]
        func step(_ type: String, option: JSONValue? = nil) {
            wait(0.1, 1)
            let next = action(type, option: option, executed: true)
            flow["current_action"] = next
            flow["executed_actions"] = .array(executed)
            flow["tm_update"] = now
            emit("activeflow_updated", flow)
            executed.append(next)
            call["action"] = next
            call["tm_update"] = now
            emit("call_updated", call)
        }
        if !outbound { step("answer") }
        wait(1, 8)
        update(&call, "progressing", "tm_progressing")
        emit("call_progressing", call)
        guard flowActions else { hangUp(&call, flow: &flow); return call }

        var recording: ResourceState?
        if chance(50) {
            step("recording_start", option: .object([JSONMember("format", .string("wav")),
                                                    JSONMember("duration", .number("600"))]))
            var started = template("recording_started")
            started["activeflow_id"] = flow["id"]
            started["reference_type"] = .string("call")
            started["reference_id"] = .string(call.id)
            started["status"] = .string("recording")
            started["tm_end"] = nil
            for key in ["tm_create", "tm_start", "tm_update"] { started[key] = now }
            call["recording_id"] = .string(started.id)
            call["recording_ids"] = .array([.string(started.id)])
            emit("recording_started", started)
            recording = started
        }
        var transcribe: ResourceState?
        if chance(30) {
            step("transcribe_start", option: .object([JSONMember("language", .string("en-US"))]))
            var created = template("transcribe_created")
            created["activeflow_id"] = flow["id"]
            created["reference_type"] = .string("call")
            created["reference_id"] = .string(call.id)
            created["status"] = .string("progressing")
            created["tm_create"] = now
            created["tm_update"] = .null
            emit("transcribe_created", created)
            transcribe = created
        }
        step("talk", option: .object([JSONMember("text", .string(pick(Self.prompts))), JSONMember("language", .string("en-US"))]))
        if let transcribe {
            for _ in 0..<Int.random(in: 1...3, using: &random) { speech(transcribe: transcribe.id, callStart: call["tm_progressing"]) }
        } else {
            wait(5, 60)
        }
        hangUp(&call, flow: &flow)
        if var recording {
            wait(0.05, 0.3)
            recording["status"] = .string("ended")
            recording["tm_end"] = now
            recording["tm_update"] = now
            emit("recording_finished", recording)
        }
        if var transcribe {
            wait(0.05, 0.3)
            transcribe["status"] = .string("done")
            transcribe["tm_update"] = now
            emit("transcribe_done", transcribe)
        }
        return call
    }

    /// The end of an answered call: the far end hangs up, or the flow ends it.
    mutating func hangUp(_ call: inout ResourceState, flow: inout ResourceState) {
        if chance(60) {
            wait(0.1, 2)
            call["hangup_by"] = .string("remote")
        } else {
            wait(0.1, 1)
            call["status"] = .string("terminating")
            call["tm_update"] = now
            emit("call_terminating", call)
            wait(0.05, 0.5)
            call["hangup_by"] = .string("local")
        }
        call["status"] = .string("hangup")
        call["hangup_reason"] = .string("normal")
        call["tm_hangup"] = now
        call["tm_update"] = now
        emit("call_hangup", call)
        endFlow(&flow)
    }

    mutating func endFlow(_ flow: inout ResourceState) {
        wait(0.02, 0.2)
        flow["status"] = .string("ended")
        flow["tm_update"] = now
        emit("activeflow_updated", flow)
    }

    /// One utterance on a live transcription: speech started, interim results, ended, transcript.
    mutating func speech(transcribe: String, callStart: JSONValue?) {
        let streaming = uuid()
        let direction = pick(["in", "out"])
        let text = pick(Self.utterances)
        wait(1, 4)
        func speechEvent(_ story: inout Story, _ type: String, message: String?) {
            var event = story.template("transcribe_speech_started")
            event["id"] = .string(story.uuid())
            event["streaming_id"] = .string(streaming)
            event["transcribe_id"] = .string(transcribe)
            event["direction"] = .string(direction)
            event["message"] = message.map(JSONValue.string)
            event["tm_event"] = story.now
            event["tm_create"] = story.now
            story.emit(type, event)
        }
        speechEvent(&self, "transcribe_speech_started", message: nil)
        let words = text.split(separator: " ")
        let interims = Int.random(in: 1...3, using: &random)
        for index in 1...interims {
            wait(0.3, 1)
            speechEvent(&self, "transcribe_speech_interim",
                        message: words.prefix(max(1, words.count * index / (interims + 1))).joined(separator: " "))
        }
        wait(0.3, 1)
        speechEvent(&self, "transcribe_speech_ended", message: nil)
        var transcript = template("transcript_created")
        transcript["id"] = .string(uuid())
        transcript["transcribe_id"] = .string(transcribe)
        transcript["direction"] = .string(direction)
        transcript["message"] = .string(text)
        // A duration since the call's answer, written as a time on 0001-01-01 (as VoIPBIN does).
        let offset = max(0, time - (callStart?.stringValue.flatMap(Timestamp.parse).map { $0 * 1000 } ?? time))
        transcript["tm_transcript"] = .string("0001-01-01T" + Self.stamp(offset).dropFirst(11))
        transcript["tm_create"] = now
        emit("transcript_created", transcript)
    }

    // MARK: Messages

    /// An outbound message sent (or failed), or an inbound one received.
    mutating func message() {
        var message = template("message_created")
        message["text"] = .string(pick(Self.texts))
        message["tm_create"] = now
        message["tm_update"] = .null
        message["tm_delete"] = .null
        let ours = number()
        func target(_ status: String, parts: Int, _ number: String) -> JSONValue {
            .array([.object([JSONMember("destination", Self.address(number)), JSONMember("status", .string(status)),
                             JSONMember("parts", .number(String(parts))), JSONMember("tm_update", .null)])])
        }
        if chance(25) {
            let theirs = number()
            message["direction"] = .string("inbound")
            message["source"] = Self.address(theirs)
            message["targets"] = target("received", parts: 1, ours)
            emit("message_created", message)
            return
        }
        let theirs = number()
        message["direction"] = .string("outbound")
        message["source"] = Self.address(ours)
        message["targets"] = target("queued", parts: 0, theirs)
        emit("message_created", message)
        wait(0.5, 1.5)
        message["targets"] = target(chance(85) ? "sent" : "failed", parts: 1, theirs)
        message["tm_update"] = now
        emit("message_updated", message)
    }

    // MARK: Conferences

    /// A conference: participants join and leave, then it ends.
    mutating func conference() {
        var conference = template("conference_created")
        conference["name"] = .string(pick(["Weekly sales sync", "Incident bridge", "Board prep", "Support stand-up"]))
        conference["status"] = .string("progressing")
        conference["conferencecall_ids"] = nil
        conference["tm_create"] = now
        for key in ["tm_end", "tm_update", "tm_delete"] { conference[key] = .null }
        emit("conference_created", conference)
        var present: [ResourceState] = []
        func publishMembers(_ story: inout Story) {
            conference["conferencecall_ids"] = present.isEmpty ? nil : .array(present.map { .string($0.id) })
            conference["tm_update"] = story.now
            story.emit("conference_updated", conference)
        }
        for _ in 0..<Int.random(in: 2...4, using: &random) {
            wait(2, 30)
            var member = template("conferencecall_joining")
            member["id"] = .string(uuid())
            member["activeflow_id"] = .string(uuid())
            member["reference_id"] = .string(uuid())
            member["conference_id"] = .string(conference.id)
            member["status"] = .string("joining")
            member["tm_create"] = now
            member["tm_update"] = .null
            emit("conferencecall_joining", member)
            wait(0.5, 2)
            member["status"] = .string("joined")
            member["tm_update"] = now
            emit("conferencecall_joined", member)
            present.append(member)
            publishMembers(&self)
        }
        while !present.isEmpty {
            wait(30, 600)
            var member = present.removeFirst()
            member["status"] = .string("leaving")
            member["tm_update"] = now
            emit("conferencecall_leaving", member)
            wait(0.2, 1)
            member["status"] = .string("leaved")
            member["tm_update"] = now
            emit("conferencecall_leaved", member)
            publishMembers(&self)
        }
        wait(1, 5)
        conference["status"] = .string("terminating")
        conference["tm_update"] = now
        emit("conference_updated", conference)
        wait(0.5, 2)
        conference["status"] = .string("terminated")
        conference["tm_end"] = now
        conference["tm_update"] = now
        emit("conference_deleted", conference)
    }

    // MARK: Queues

    /// A caller in a queue: served by an agent, or gone before.
    mutating func queue() {
        var queued = template("queuecall_created")
        queued["reference_id"] = .string(uuid())
        queued["status"] = .string("initiating")
        queued["service_agent_id"] = .string("00000000-0000-0000-0000-000000000000")
        for key in ["duration_waiting", "duration_service"] { queued[key] = nil }
        queued["tm_create"] = now
        for key in ["tm_service", "tm_update", "tm_delete"] { queued[key] = .null }
        let created = time
        emit("queuecall_created", queued)
        func step(_ story: inout Story, _ type: String, _ status: String) {
            queued["status"] = .string(status)
            queued["tm_update"] = story.now
            story.emit(type, queued)
        }
        wait(0.2, 1)
        step(&self, "queuecall_waiting", "waiting")
        wait(5, 180)
        if chance(30) {
            queued["duration_waiting"] = .number(String((time - created) / 1000))
            step(&self, "queuecall_abandoned", "abandoned")
            return
        }
        queued["service_agent_id"] = .string(uuid())
        step(&self, "queuecall_connecting", "connecting")
        wait(1, 8)
        queued["duration_waiting"] = .number(String((time - created) / 1000))
        queued["tm_service"] = now
        let service = time
        step(&self, "queuecall_serviced", "service")
        wait(30, 600)
        queued["duration_service"] = .number(String((time - service) / 1000))
        step(&self, "queuecall_done", "done")
    }

    // MARK: Campaigns

    /// A campaign that runs, dials its targets one after another, and stops.
    mutating func campaign() {
        var campaign = template("campaign_created")
        campaign["name"] = .string(pick(["Renewal reminders", "Appointment confirmations", "Service outage notice"]))
        campaign["status"] = .string("stop")
        campaign["tm_create"] = now
        campaign["tm_update"] = .null
        campaign["tm_delete"] = .null
        emit("campaign_created", campaign)
        wait(1, 10)
        campaign["status"] = .string("run")
        campaign["tm_update"] = now
        emit("campaign_status_run", campaign)
        let ours = number()
        let dials = Int.random(in: 2...4, using: &random)
        for index in 0..<dials {
            wait(0.5, 5)
            var dial = template("campaigncall_created")
            dial["id"] = .string(uuid())
            dial["outdial_target_id"] = .string(uuid())
            dial["status"] = .string("dialing")
            dial["result"] = .string("")
            let theirs = number()
            dial["source"] = Self.address(ours)
            dial["destination"] = Self.address(theirs)
            dial["destination_index"] = .number("0")
            dial["try_count"] = .number("1")
            dial["tm_create"] = now
            dial["tm_update"] = .null
            dial["tm_delete"] = .null
            // The call is made under the campaigncall's flow.
            let outcome: CallOutcome = chance(70) ? .answered : chance(50) ? .busy : .noAnswer
            var dialEvents = Story(schemas: schemas, customerID: customerID, random: random, time: time)
            dialEvents.ids = ids
            let call = dialEvents.call(outbound: true, outcome: outcome, ours: ours, theirs: theirs, flowActions: false)
            dial["reference_id"] = .string(call.id)
            dial["activeflow_id"] = call["activeflow_id"]
            dial["flow_id"] = call["flow_id"]
            emit("campaigncall_created", dial)
            events += dialEvents.events
            random = dialEvents.random
            time = dialEvents.time
            wait(0.01, 0.1)
            if outcome == .answered {
                dial["status"] = .string("progressing")
                dial["tm_update"] = now
                emit("campaigncall_updated", dial)
            }
            wait(0.01, 0.1)
            dial["status"] = .string("done")
            dial["result"] = .string(outcome == .answered ? "success" : "fail")
            dial["tm_update"] = now
            emit("campaigncall_updated", dial)
            if index == dials - 1, chance(50) {
                campaign["status"] = .string("stopping")
                campaign["tm_update"] = now
                emit("campaign_status_stopping", campaign)
            }
        }
        wait(0.5, 3)
        campaign["status"] = .string("stop")
        campaign["tm_update"] = now
        emit("campaign_status_stop", campaign)
    }
}
