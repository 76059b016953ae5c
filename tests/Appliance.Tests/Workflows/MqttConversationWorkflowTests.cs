using VoiceAppliance.Hosting;
using VoiceAppliance.Mqtt;
using VoiceAppliance.Testing;
using VoiceAppliance.Tests.Mqtt;
using VoiceAppliance.Workflows;

namespace VoiceAppliance.Tests.Workflows;

public sealed class MqttConversationWorkflowTests
{
    private static WorkflowTurn Turn(string text = "what is the weather", int index = 0) =>
        new("s1", index, text, ReadOnlyMemory<float>.Empty, 16000, new IntentWorkflowTests.FakeAppliance());

    private static async Task<List<string>> Collect(IAsyncEnumerable<string> replies)
    {
        var list = new List<string>();
        await foreach (var r in replies)
        {
            list.Add(r);
        }

        return list;
    }

    private sealed class FakeChannel(bool connected = true, bool sends = true) : IConversationChannel
    {
        public List<ConversationRequest> Sent { get; } = [];

        public bool IsConnected => connected;

        public bool Send(ConversationRequest request)
        {
            lock (Sent)
            {
                Sent.Add(request);
            }

            return sends;
        }
    }

    [Fact]
    public async Task A_broker_that_is_away_gets_no_request_and_the_user_hears_so_at_once()
    {
        var channel = new FakeChannel(connected: false);
        var workflow = new MqttConversationWorkflow(channel, TimeSpan.FromSeconds(10));
        Assert.Equal([MqttConversationWorkflow.UnreachableReply], await Collect(workflow.RespondAsync(Turn(), default)));
        Assert.Empty(channel.Sent);
        Assert.Equal(0, workflow.Pending);

        var refusing = new MqttConversationWorkflow(new FakeChannel(sends: false), TimeSpan.FromSeconds(10));
        Assert.Equal([MqttConversationWorkflow.UnreachableReply], await Collect(refusing.RespondAsync(Turn(), default)));
    }

    [Fact]
    public async Task No_reply_in_time_is_said_and_a_late_reply_is_refused()
    {
        var time = new ManualTimeProvider();
        var channel = new FakeChannel();
        var workflow = new MqttConversationWorkflow(channel, TimeSpan.FromSeconds(10), time);
        var replies = Collect(workflow.RespondAsync(Turn(), default));
        Assert.Single(channel.Sent);
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(replies.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal([MqttConversationWorkflow.NoAnswerReply], await replies.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, workflow.Pending);
        Assert.False(workflow.Deliver(new ConversationReply(channel.Sent[0].Id, "too late")));
    }

    [Fact]
    public async Task Streamed_parts_are_spoken_in_order_and_a_stall_after_speech_ends_quietly()
    {
        var time = new ManualTimeProvider();
        var channel = new FakeChannel();
        var workflow = new MqttConversationWorkflow(channel, TimeSpan.FromSeconds(5), time);
        var turn = Turn();
        var replies = Collect(workflow.RespondAsync(turn, default));
        var id = Assert.Single(channel.Sent).Id;
        Assert.Equal("s1-0", id);
        Assert.True(workflow.Deliver(new ConversationReply(id, "First part.", Final: false)));
        Assert.True(workflow.Deliver(new ConversationReply(id, "Second part.", Final: false, Intent: "Story")));
        for (var i = 0; i < 1000 && !replies.IsCompleted; i++)
        {
            await Task.Delay(10); // let the reader take both parts and arm its next wait, then let that wait expire
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(["First part.", "Second part."], await replies.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("Story", turn.Intent);
        Assert.False(turn.FollowUpRequested);
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_and_forgets_the_request()
    {
        var workflow = new MqttConversationWorkflow(new FakeChannel(), TimeSpan.FromSeconds(30));
        using var cts = new CancellationTokenSource();
        var replies = Collect(workflow.RespondAsync(Turn(), cts.Token));
        Assert.Equal(1, workflow.Pending);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => replies.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, workflow.Pending);
    }

    [RequiresProgramFact("mosquitto")]
    public async Task A_transcript_goes_out_over_a_real_broker_and_the_streamed_reply_comes_back()
    {
        using var broker = MosquittoBroker.Start(false, false);
        var stateDir = MqttTestOptions.NewStateDir();
        var service = new MqttService(MqttTestOptions.For(broker, stateDir), new RecordingHandler(), new ListLogger());
        try
        {
            await service.StartAsync(CancellationToken.None);
            var channel = new MqttConversationChannel { Target = service };
            var workflow = new MqttConversationWorkflow(channel, TimeSpan.FromSeconds(10));
            service.ConversationReplies = workflow.Deliver;
            using var peer = new TestPeer(broker.Port, filters: ["appliance/dev1/#"]);
            peer.WaitFor("appliance/dev1/availability", r => r.Text == "online");

            var turn = Turn("is the garage door open", 2);
            var replies = Collect(workflow.RespondAsync(turn, default));
            var request = peer.WaitFor("appliance/dev1/conversation/request").Json;
            var id = request.GetProperty("id").GetString()!;
            Assert.Equal("s1-2", id);
            Assert.Equal("s1", request.GetProperty("session_id").GetString());
            Assert.Equal(2, request.GetProperty("turn").GetInt32());
            Assert.Equal("is the garage door open", request.GetProperty("text").GetString());

            peer.Publish("appliance/dev1/cmd/reply", $$"""{"id": "{{id}}", "text": "The garage door is open.", "final": false}""");
            peer.Publish("appliance/dev1/cmd/reply", $$"""{"id": "{{id}}", "text": "Shall I close it?", "continue": true, "intent": "GarageState"}""");
            Assert.Equal(["The garage door is open.", "Shall I close it?"], await replies.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.True(turn.FollowUpRequested);
            Assert.Equal("GarageState", turn.Intent);

            // A reply nobody waits for, and malformed replies, are bad input on <base>/error; nothing else happens.
            foreach (var (payload, reason) in new[]
            {
                ($$"""{"id": "{{id}}", "text": "late"}""", "no conversation waits for reply id 's1-2'"),
                ("""{"text": "no id"}""", "needs the request's \"id\""),
                ("just text", "must be a JSON object"),
                ("""{"id": "x", "text": "hi", "mood": "happy"}""", "not valid"),
            })
            {
                peer.Clear();
                peer.Publish("appliance/dev1/cmd/reply", payload);
                var error = peer.WaitFor("appliance/dev1/error").Json;
                Assert.Equal("bad_input", error.GetProperty("event_type").GetString());
                Assert.Contains(reason, error.GetProperty("reason").GetString(), StringComparison.Ordinal);
            }

            Assert.Equal(0, workflow.Pending);
        }
        finally
        {
            await service.DisposeAsync();
            Directory.Delete(stateDir, recursive: true);
        }
    }
}
