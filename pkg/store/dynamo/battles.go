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

// BattleHashes returns, for each of ids that has a result item of ours
// (one with created_at), its stored battle_hash, "" when it has none.
func (s *Results) BattleHashes(ctx context.Context, ids []int64) (map[int64]string, error) {
	items, err := s.Fetch(ctx, ids, item.CreatedAt, item.Hash)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(ids))
	for _, it := range items {
		if _, ours := it[item.CreatedAt]; !ours {
			continue
		}
		id, ok := it[item.Key].(float64)
		if !ok {
			continue
		}
		h, _ := it[item.Hash].(string)
		out[int64(id)] = h
	}
	return out, nil
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
