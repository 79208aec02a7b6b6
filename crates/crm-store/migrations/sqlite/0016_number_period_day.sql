-- The day the current numbering period began, so that a period never goes back: a caller
-- whose today is still the day before (another time zone) counts on in the newer period
-- instead of starting the older one's counter again and repeating its numbers.
ALTER TABLE number_sequences ADD COLUMN period_day TEXT;
