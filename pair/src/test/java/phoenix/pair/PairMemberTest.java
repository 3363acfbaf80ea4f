package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A member's entry in the coordinator, written and read back; what it cannot read is left empty, never thrown. */
class PairMemberTest {
    @Test
    void readsBackTheEntryItWrites() {
        PairMember m = new PairMember(4321, "host-1", "10.1.2.3", "standby");
        assertEquals("pid=4321 host=host-1 bind=10.1.2.3 role=standby", m.toRecord());
        assertEquals(m, PairMember.parse(m.toRecord()));
    }

    @Test
    void aStandbyOnAnotherHostSaysWhichPrimaryItWatches() {
        PairMember m = new PairMember(77, "h2", "10.0.0.2", "standby", 4321);
        assertEquals("pid=77 host=h2 bind=10.0.0.2 role=standby watching=4321", m.toRecord());
        assertEquals(m, PairMember.parse(m.toRecord()));
        assertEquals("{\"pid\":77,\"host\":\"h2\",\"bind\":\"10.0.0.2\",\"role\":\"standby\",\"watching\":4321}",
                m.toJson());
        assertEquals(0, PairMember.parse("pid=1 watching=-5").watching(), "a negative pid is none");
    }

    @Test
    void leavesEmptyWhatAnEntryDoesNotSayAndSkipsWhatItDoesNotKnow() {
        assertEquals(new PairMember(0, "", "", ""), PairMember.parse(""));
        assertEquals(new PairMember(0, "h", "", "primary"), PairMember.parse("pid=x host=h role=primary extra=1 junk"));
    }

    @Test
    void namesThisHostWithoutADnsLookUp() {
        String host = PairMember.localHost();
        assertEquals(true, host.matches("[A-Za-z0-9._-]{1,64}"), host);
    }
}
