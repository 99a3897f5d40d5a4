# The shared rule set (bench/shared_rules/shared.pol) in Rego. Money is in 万元 (JSON numbers).
package shared

import rego.v1

srdi_levels := {"provincial", "little_giant"}

scope := {"intelligent_upgrade", "green_upgrade", "technical_upgrade", "5g", "industrial_internet"}

counties := {"湖滨区", "陕州区", "义马市", "灵宝市", "渑池县", "卢氏县"}

srdi := input.srdi_level in srdi_levels

# Rego has no `or`: a rule with several bodies holds when any body does.
default sme := false

sme if input.employees < 1000

sme if input.revenue < 40000

default cultivation := false

cultivation if input.in_cultivation_pool

cultivation if srdi

default listing := false

listing if {
	srdi
	input.listing_intent
}

default local_match := false

local_match if {
	input.key_little_giant
	input.national_fund_received > 0
}

# min([amount, 500]) would be the natural cap, but regopy 1.5.2's min/max/sort compare numbers
# wrongly (min([80, 500]) is 500), so the cap is written as a conditional.
capped(amount) := amount if amount < 500
else := 500

# The indexes of the projects M2 supports (as amended for SRDI enterprises).
qualifying contains i if {
	srdi
	some i, p in input.projects
	p.category in scope
	p.investment >= 150
}

decisions := {
	"srdi": srdi,
	"sme": sme,
	"cultivation": cultivation,
	"listing": listing,
	"county_government": input.county in counties,
	"local_match": local_match,
	"project_grant": count(qualifying) > 0,
	"grant": sum([capped(input.projects[i].investment * 0.4) | some i in qualifying]),
}
