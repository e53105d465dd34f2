package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"punchline/pkg/meme"
	"punchline/pkg/platform/wait"
	"punchline/pkg/store/item"
)

// Created returns the ids of results created in [from, to], day by day
// through the by_day index (no scan).
func (s *Results) Created(ctx context.Context, from, to time.Time) ([]int64, error) {
	var ids []int64
	lo, hi := item.Time(from), item.Time(to)
	for day := from.UTC().Truncate(24 * time.Hour); !day.After(to.UTC()); day = day.Add(24 * time.Hour) {
		in := &dynamodb.QueryInput{
			TableName:              aws.String(s.table),
			IndexName:              aws.String(byDayIndex),
			KeyConditionExpression: aws.String("created_day = :d AND created_at BETWEEN :lo AND :hi"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":d":  &types.AttributeValueMemberS{Value: day.Format(meme.DayLayout)},
				":lo": &types.AttributeValueMemberS{Value: lo},
				":hi": &types.AttributeValueMemberS{Value: hi},
			},
		}
		for p := dynamodb.NewQueryPaginator(s.api, in); p.HasMorePages(); {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("query %s for %s: %w", s.table, day.Format(meme.DayLayout), err)
			}
			for _, row := range out.Items {
				if n, ok := row[item.Key].(*types.AttributeValueMemberN); ok {
					if id, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
						ids = append(ids, id)
					}
				}
			}
		}
	}
	return ids, nil
}

// batchGetMax is BatchGetItem's limit on keys per call.
const batchGetMax = 100

// BattleTargets returns, for each of ids that has a result item of ours
// (one with created_at), what placing a battle needs: its battle_hash and
// prompt hash, and its conflicting answers' battle hashes.
func (s *Results) BattleTargets(ctx context.Context, ids []int64) (map[int64]item.Target, error) {
	items, err := s.Fetch(ctx, ids, item.CreatedAt, item.Hash, item.PromptHash, item.Prompt, item.Conflict)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]item.Target, len(ids))
	for _, it := range items {
		if _, ours := it[item.CreatedAt]; !ours {
			continue
		}
		id, ok := it[item.Key].(float64)
		if !ok {
			continue
		}
		conflicts := map[string]map[string]any{}
		if raw, ok := it[item.Conflict].(map[string]any); ok {
			for h, v := range raw {
				if e, ok := v.(map[string]any); ok {
					conflicts[h] = e
				}
			}
		}
		out[int64(id)] = item.TargetOf(func(k string) string { v, _ := it[k].(string); return v }, conflicts)
	}
	return out, nil
}

// PutConflict records the answer rec gave a prompt other than the one
// that claimed result id, under its prompt hash: the map is made if it is
// missing, then the entry set only if it is new and the map holds fewer
// than item.MaxConflicts (two conditional updates: one cannot both create
// a map and set a path in it).
func (s *Results) PutConflict(ctx context.Context, id int64, promptHash string, rec meme.Record) error {
	entry := item.ConflictEntry(rec)
	if err := item.Finite(entry); err != nil {
		return fmt.Errorf("conflict on result %d: %w", id, err)
	}
	av, err := attributevalue.Marshal(entry)
	if err != nil {
		return fmt.Errorf("marshal conflict on %d: %w", id, err)
	}
	names := map[string]string{"#c": item.Conflict, "#h": promptHash}
	if _, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(id),
		UpdateExpression:          aws.String("SET #c = if_not_exists(#c, :empty)"),
		ExpressionAttributeNames:  map[string]string{"#c": item.Conflict},
		ExpressionAttributeValues: map[string]types.AttributeValue{":empty": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}},
	}); err != nil {
		return fmt.Errorf("conflict map on %d in %s: %w", id, s.table, err)
	}
	_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(id),
		UpdateExpression:         aws.String("SET #c.#h = :e"),
		ConditionExpression:      aws.String("attribute_not_exists(#c.#h) AND size(#c) < :max"),
		ExpressionAttributeNames: names,
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":e": av, ":max": &types.AttributeValueMemberN{Value: strconv.Itoa(item.MaxConflicts)},
		},
	})
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("conflict on %d in %s: %w", id, s.table, err)
	}
	return nil
}

// PutConflictBattle sets battle b on the conflicting answer to the prompt
// with promptHash on result id's item, if that answer is there and its
// battle_hash differs; it reports whether it wrote.
func (s *Results) PutConflictBattle(ctx context.Context, id int64, promptHash string, b meme.BattleSide) (bool, error) {
	attrs, err := attributevalue.MarshalMap(item.Battle(b))
	if err != nil {
		return false, fmt.Errorf("marshal battle of %d: %w", id, err)
	}
	names := map[string]string{"#c": item.Conflict, "#h": promptHash, "#bh": item.Hash}
	values := map[string]types.AttributeValue{":newhash": &types.AttributeValueMemberS{Value: b.Hash}}
	var sets []string
	i := 0
	for name, v := range attrs {
		n, val := "#a"+strconv.Itoa(i), ":a"+strconv.Itoa(i)
		names[n], values[val] = name, v
		sets = append(sets, "#c.#h."+n+" = "+val)
		i++
	}
	_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(id),
		UpdateExpression:          aws.String("SET " + strings.Join(sets, ", ")),
		ConditionExpression:       aws.String("attribute_exists(#c.#h) AND (attribute_not_exists(#c.#h.#bh) OR #c.#h.#bh <> :newhash)"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	var api smithy.APIError
	switch {
	case conditionFailed(err):
		return false, nil
	case errors.As(err, &api) && api.ErrorCode() == "ValidationException":
		return false, fmt.Errorf("update conflict battle of %d in %s: %w: %w", id, s.table, meme.ErrRejected, err)
	case err != nil:
		return false, fmt.Errorf("update conflict battle of %d in %s: %w", id, s.table, err)
	}
	return true, nil
}

// PutBattle sets the battle attributes on result id's item, only if the
// item is ours (has created_at) and its battle_hash differs: the condition
// makes a re-run with no new votes, or a race with another run, write
// nothing. It reports whether the item changed.
func (s *Results) PutBattle(ctx context.Context, id int64, b meme.BattleSide) (bool, error) {
	av, err := attributevalue.MarshalMap(item.Battle(b))
	if err != nil {
		return false, fmt.Errorf("marshal battle of %d: %w", id, err)
	}
	in := SetItem(s.table, key(id), av)
	in.ConditionExpression = aws.String("attribute_exists(created_at) AND (attribute_not_exists(battle_hash) OR battle_hash <> :newhash)")
	in.ExpressionAttributeValues[":newhash"] = &types.AttributeValueMemberS{Value: b.Hash}
	_, err = s.api.UpdateItem(ctx, in)
	var api smithy.APIError
	switch {
	case conditionFailed(err):
		return false, nil
	case errors.As(err, &api) && api.ErrorCode() == "ValidationException":
		return false, fmt.Errorf("update battle of %d in %s: %w: %w", id, s.table, meme.ErrRejected, err)
	case err != nil:
		return false, fmt.Errorf("update battle of %d in %s: %w", id, s.table, err)
	}
	return true, nil
}

// Scan calls fn with every item of the table, attributes as Go values
// (numbers as float64), for reports.
func (s *Results) Scan(ctx context.Context, fn func(map[string]any) error) error {
	for p := dynamodb.NewScanPaginator(s.api, &dynamodb.ScanInput{TableName: aws.String(s.table)}); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan %s: %w", s.table, err)
		}
		for _, got := range out.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(got, &m); err != nil {
				return fmt.Errorf("scan %s: %w", s.table, err)
			}
			if err := fn(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Fetch returns the items of ids that exist, with the attributes named
// (all when none are), reading in batches of 100.
func (s *Results) Fetch(ctx context.Context, ids []int64, attrs ...string) ([]map[string]any, error) {
	var out []map[string]any
	for start := 0; start < len(ids); start += batchGetMax {
		keys := make([]map[string]types.AttributeValue, 0, batchGetMax)
		seen := map[int64]bool{}
		for _, id := range ids[start:min(start+batchGetMax, len(ids))] {
			if !seen[id] {
				seen[id] = true
				keys = append(keys, key(id))
			}
		}
		ka := types.KeysAndAttributes{Keys: keys}
		if len(attrs) > 0 {
			names := map[string]string{}
			var proj []string
			for i, a := range append([]string{item.Key}, attrs...) {
				k := "#f" + strconv.Itoa(i)
				names[k] = a
				proj = append(proj, k)
			}
			ka.ProjectionExpression = aws.String(strings.Join(proj, ", "))
			ka.ExpressionAttributeNames = names
		}
		req := map[string]types.KeysAndAttributes{s.table: ka}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				if err := wait.Sleep(ctx, time.Duration(attempt*attempt)*50*time.Millisecond); err != nil {
					return nil, err
				}
			}
			if attempt > 8 {
				return nil, fmt.Errorf("batch get %s: keys still unprocessed after %d tries", s.table, attempt)
			}
			res, err := s.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("batch get %s: %w", s.table, err)
			}
			for _, got := range res.Responses[s.table] {
				var m map[string]any
				if err := attributevalue.UnmarshalMap(got, &m); err != nil {
					return nil, fmt.Errorf("batch get %s: %w", s.table, err)
				}
				out = append(out, m)
			}
			req = res.UnprocessedKeys
		}
	}
	return out, nil
}
