import RingbackCore
import Testing

@Suite struct CatalogTests {
    @Test func twelveResourceTypesWithTheirEvents() {
        #expect(EventCatalog.resources.map(\.resourceType) == [
            "call", "groupcall", "conference", "conferencecall", "message", "recording", "transcribe", "queue",
            "queuecall", "activeflow", "campaign", "number",
        ])
        #expect(EventCatalog.all.count == 9 + 4 + 3 + 4 + 3 + 2 + 11 + 3 + 7 + 3 + 9 + 4)
        #expect(EventCatalog.eventType(named: "transcribe_speech_interim")?.resourceType == "transcribe")
        #expect(EventCatalog.eventType(named: "campaigncall_deleted")?.resourceType == "campaign")
        #expect(EventCatalog.eventType(named: "webhook_test") == nil)
        #expect(EventCatalog.eventType(named: "call_exploded") == nil)
    }

    @Test func filtersMatchByNameResourceAndStar() throws {
        let hangup = try #require(EventCatalog.eventType(named: "call_hangup"))
        let message = try #require(EventCatalog.eventType(named: "message_created"))
        #expect(EventTypeFilter("call_hangup")?.matches(hangup) == true)
        #expect(EventTypeFilter("call_hangup")?.matches(message) == false)
        #expect(EventTypeFilter("call.*")?.matches(hangup) == true)
        #expect(EventTypeFilter("call.*")?.matches(message) == false)
        #expect(EventTypeFilter("*")?.matches(message) == true)
        #expect(EventTypeFilter("nothing.*") == nil)
        #expect(EventTypeFilter("call_nothing") == nil)
        #expect(EventTypeFilter("webhook_test") == nil)
        #expect(EventTypeFilter.anyMatches(["message.*", "call_ringing"], hangup) == false)
        #expect(EventTypeFilter.anyMatches(["message.*", "call_hangup"], hangup) == true)
        // Ringback's own events match their exact names only.
        for operational in EventCatalog.operational {
            #expect(EventTypeFilter("*")?.matches(operational) == false)
            #expect(EventTypeFilter("webhook.*")?.matches(operational) == false)
            #expect(EventTypeFilter(operational.name)?.matches(operational) == true)
            #expect(EventCatalog.eventType(named: operational.name) == nil, "not publishable")
        }
    }
}
