enum VoipbinFixture {
    static let expectedHex = "80ec8a89ce3cd22133a1066caecb4d04fea7467657c8514d717ec42c38a5c94c"
}
