package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"punchline/pkg/learn"
	"punchline/pkg/meme"
	"punchline/pkg/provider/providertest"
	"punchline/pkg/store/dynamo"
	"punchline/pkg/store/mototest"
)

// Our winners as examples, under moto: battles with votes in the results
// table; after the stats function's examples step the next generator
// request carries a winner of the prompt's language group (and not the
// other group's, nor a loser's).
func TestWinnersReachTheGenerator(t *testing.T) {
	moto := mototest.Start(t)
	db := moto.DynamoDB()
	resultsTable, stateTable := moto.ResultsTable(t), moto.StateTable(t)
	results, state := dynamo.NewResults(db, resultsTable), dynamo.NewState(db, stateTable)
	ctx := context.Background()
	now := time.Now()
	seed := []struct {
		id                     int64
		lang, caption, outcome string
		first, second          int64
	}{
		{101, "ru", "Кот уже на планёрке", "win", 9, 1},
		{102, "ru", "Проигравший кот", "loss", 1, 9},
		{103, "en", "The winning English punchline", "win", 8, 2},
		{104, "ru", "Кот с одним голосом", "win", 1, 0}, // too few votes to say anything
	}
	for _, s := range seed {
		at := now.Add(-time.Duration(s.id) * time.Minute)
		rec := meme.Record{ResultID: s.id, CreatedAt: at, Prompt: "кот " + fmt.Sprint(s.id), Lang: s.lang, Type: meme.TypeImage, Status: meme.StatusDone,
			Choice: meme.Choice{Recipe: meme.RecipeScene, Candidates: []meme.Candidate{{Recipe: meme.RecipeScene, Captions: []string{"Утро", s.caption}}}}}
		if err := results.PutGeneration(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if _, err := results.PutBattle(ctx, s.id, meme.BattleSide{BattleID: s.id, BattleDate: at.UTC().Format(meme.TimeLayout), OpponentResultID: 9_000_000 + s.id,
			Side: 1, Outcome: s.outcome, VotesFirst: s.first, VotesSecond: s.second, Hash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	// The stats function's step.
	ex, err := learn.UpdateExamples(ctx, results, state, now, 28*24*time.Hour, false)
	if err != nil || len(ex.Groups["ru"]) != 1 || len(ex.Groups["en"]) != 1 {
		t.Fatalf("examples %+v, %v", ex.Groups, err)
	}

	prov := providertest.New()
	defer prov.Close()
	base, logs := startOnMoto(t, moto, resultsTable, stateTable, prov)
	if _, err := postAnswer(base+"/", `{"result_id":1,"prompt":"кот опять разбудил меня в пять утра"}`); err != nil {
		t.Fatal(err)
	}
	sent := fmt.Sprint(prov.LastChatRequest())
	if !strings.Contains(sent, "Memes of ours that won") || !strings.Contains(sent, "Кот уже на планёрке") {
		t.Fatalf("the generator request has no Russian winner:\n%s\nlogs %s", sent, logs.String())
	}
	for _, not := range []string{"Проигравший кот", "Кот с одним голосом", "The winning English punchline"} {
		if strings.Contains(sent, not) {
			t.Errorf("the generator request shows %q", not)
		}
	}
}
