"""The product catalogue: a two-level category tree of a grocery retailer, and products.

A product's price, popularity and whether it is sold by weight are kept beside the
tables, for the orders to use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from mailreport.demo.plan import rng_for

# top-level name -> leaf categories: (name, typical price in roubles, sold by weight, items)
TREE: dict[str, list[tuple[str, float, bool, tuple[str, ...]]]] = {
    "Dairy": [
        ("Milk", 89, False, ("milk 2.5%", "milk 3.2%", "baked milk", "lactose-free milk")),
        ("Yogurt", 59, False, ("greek yogurt", "drinking yogurt", "strawberry yogurt")),
        ("Kefir", 79, False, ("kefir 1%", "kefir 3.2%", "ayran")),
        ("Cottage cheese", 129, False, ("cottage cheese 5%", "cottage cheese 9%", "syrniki mix")),
        ("Butter", 199, False, ("butter 82.5%", "ghee", "salted butter")),
        ("Sour cream", 99, False, ("sour cream 15%", "sour cream 20%", "smetana")),
    ],
    "Cheese": [
        ("Hard cheese", 890, True, ("gouda", "maasdam", "rossiysky cheese", "parmesan")),
        ("Soft cheese", 249, False, ("brie", "camembert", "mozzarella", "suluguni")),
        ("Processed cheese", 119, False, ("cheese spread", "cheese slices", "druzhba cheese")),
    ],
    "Bakery": [
        ("Bread", 59, False, ("borodinsky bread", "white loaf", "baguette", "rye bread")),
        ("Pastries", 79, False, ("croissant", "cinnamon bun", "pirozhok with cabbage")),
        ("Cakes", 449, False, ("medovik cake", "napoleon cake", "cheesecake")),
        ("Crispbread", 99, False, ("rye crispbread", "rice cakes", "sushki")),
    ],
    "Fruit and vegetables": [
        ("Fruit", 189, True, ("bananas", "apples golden", "oranges", "pears", "grapes")),
        ("Berries", 349, False, ("strawberries", "blueberries", "raspberries")),
        ("Vegetables", 139, True, ("tomatoes", "cucumbers", "potatoes", "carrots", "onions")),
        ("Greens", 69, False, ("dill", "parsley", "lettuce", "spinach")),
        ("Mushrooms", 229, True, ("champignons", "oyster mushrooms")),
        ("Dried fruit and nuts", 299, False, ("walnuts", "almonds", "dried apricots", "raisins")),
    ],
    "Meat and poultry": [
        ("Chicken", 329, True, ("chicken breast", "chicken thighs", "whole chicken")),
        ("Beef", 749, True, ("beef steak", "ground beef", "beef tenderloin")),
        ("Pork", 459, True, ("pork neck", "pork chops", "pork ribs")),
        ("Sausages", 289, False, ("doktorskaya sausage", "frankfurters", "salami")),
        ("Barbecue", 599, True, ("shashlik pork", "shashlik chicken", "lula kebab")),
    ],
    "Fish and seafood": [
        ("Fresh fish", 699, True, ("salmon steak", "trout", "cod fillet")),
        ("Salted fish", 399, False, ("herring", "salted salmon", "mackerel")),
        ("Seafood", 549, False, ("shrimps", "squid rings", "mussels")),
        ("Caviar", 1490, False, ("red caviar", "capelin roe")),
    ],
    "Grocery": [
        ("Pasta", 99, False, ("spaghetti", "penne", "fusilli", "vermicelli")),
        ("Cereals and grains", 119, False, ("buckwheat", "rice basmati", "oat flakes", "bulgur")),
        ("Flour and baking", 89, False, ("wheat flour", "baking powder", "yeast")),
        ("Oil and vinegar", 229, False, ("sunflower oil", "olive oil", "apple vinegar")),
        ("Sauces", 129, False, ("mayonnaise", "ketchup", "adjika", "soy sauce")),
        ("Canned food", 149, False, ("canned tuna", "sprats", "green peas", "sweet corn")),
        ("Spices", 79, False, ("black pepper", "paprika", "bay leaf")),
    ],
    "Sweets and snacks": [
        ("Chocolate", 119, False, ("milk chocolate", "dark chocolate 70%", "alenka chocolate")),
        ("Candy", 349, True, ("chocolate candies", "toffee", "marmalade")),
        ("Cookies", 129, False, ("oat cookies", "crackers", "wafers")),
        ("Chips and snacks", 139, False, ("potato chips", "popcorn", "croutons")),
        ("Ice cream", 99, False, ("plombir", "eskimo", "sorbet", "ice cream cone")),
    ],
    "Drinks": [
        ("Water", 49, False, ("still water", "sparkling water", "mineral water")),
        ("Juice", 139, False, ("orange juice", "apple juice", "tomato juice")),
        ("Soft drinks", 109, False, ("cola", "lemonade", "kvass", "mors")),
        ("Coffee", 549, False, ("ground coffee", "coffee beans", "instant coffee")),
        ("Tea", 249, False, ("black tea", "green tea", "herbal tea")),
    ],
    "Frozen food": [
        ("Dumplings", 299, False, ("pelmeni", "vareniki with potato", "khinkali")),
        ("Frozen vegetables", 159, False, ("mexican mix", "broccoli", "green beans")),
        ("Frozen pizza", 329, False, ("pizza margherita", "pizza pepperoni")),
        ("Frozen fish", 389, False, ("fish fingers", "pollock fillet")),
    ],
    "Ready meals": [
        ("Salads", 189, False, ("olivier salad", "caesar salad", "vinegret")),
        ("Hot dishes", 279, False, ("chicken with rice", "beef stroganoff", "plov")),
        ("Soups", 199, False, ("borscht", "solyanka", "chicken noodle soup")),
        ("Sushi", 449, False, ("california roll", "philadelphia roll")),
    ],
    "Baby": [
        ("Baby food", 89, False, ("fruit puree", "baby porridge", "baby formula")),
        ("Diapers", 1290, False, ("diapers size 3", "diapers size 4", "pants size 5")),
        ("Baby care", 249, False, ("baby wipes", "baby cream", "baby shampoo")),
    ],
    "Household": [
        ("Cleaning", 249, False, ("dishwashing liquid", "floor cleaner", "bleach")),
        ("Laundry", 599, False, ("laundry gel", "washing powder", "fabric softener")),
        ("Paper goods", 199, False, ("toilet paper", "paper towels", "napkins")),
        ("Stationery", 149, False, ("notebooks", "pens set", "school backpack", "pencil case")),
    ],
    "Beauty and health": [
        ("Hair care", 399, False, ("shampoo", "conditioner", "hair mask")),
        ("Skin care", 499, False, ("face cream", "hand cream", "sunscreen spf 50")),
        ("Oral care", 229, False, ("toothpaste", "toothbrush", "mouthwash")),
    ],
    "Pets": [
        ("Cat food", 349, False, ("dry cat food", "wet cat food", "cat treats")),
        ("Dog food", 899, False, ("dry dog food", "wet dog food", "dog chews")),
        ("Pet care", 299, False, ("cat litter", "pet shampoo")),
    ],
}

BRANDS = (
    "Prostokvashino", "Domik v derevne", "Savushkin", "Vkusvill", "Cheremushki", "Belaya dacha",
    "Agrokomplex", "Miratorg", "Cherkizovo", "Petelinka", "Russkoe more", "Makfa", "Uvelka",
    "Mistral", "Sloboda", "Heinz", "Babaevsky", "Krasny Oktyabr", "Yashkino", "Lays",
    "Chistaya liniya", "Svyatoy istochnik", "Dobry", "Jacobs", "Greenfield", "Maestro Golubtsov",
    "Sibirskaya kollektsiya", "Frutonyanya", "Synergetic", "Brauberg", "Natura Siberica",
    "Splat", "Whiskas", "Pedigree", "Home Market", "Fresh Farm",
)
PACKS = ("", "", "200 g", "400 g", "500 g", "1 kg", "0.5 l", "1 l", "1.5 l", "set of 6",
         "family pack")


@dataclass(frozen=True)
class Catalogue:
    categories: dict[str, pa.Array]
    products: dict[str, pa.Array]
    product_ids: pa.Array
    category_of_product: np.ndarray  # index into the leaf list
    top_of_product: np.ndarray  # index into the top-level list
    price_cents: np.ndarray
    by_weight: np.ndarray
    popularity: np.ndarray  # sums to 1
    top_names: tuple[str, ...]


def build_catalogue(seed: int, n_products: int) -> Catalogue:
    """Categories (top level CATnn, leaves CATnnmm) and n_products products across the leaves."""
    rng = rng_for(seed, "catalogue")
    cat_ids, cat_names, parents = [], [], []
    leaves: list[tuple[str, float, bool, tuple[str, ...], int]] = []
    for t, (top, children) in enumerate(TREE.items(), start=1):
        top_id = f"CAT{t:02d}"
        cat_ids.append(top_id)
        cat_names.append(top)
        parents.append(None)
        for c, (name, price, weighed, items) in enumerate(children, start=1):
            cat_ids.append(f"CAT{t:02d}{c:02d}")
            cat_names.append(name)
            parents.append(top_id)
            leaves.append((f"CAT{t:02d}{c:02d}", price, weighed, items, t - 1))

    # A few leaves (staples) get many more products than others.
    leaf_weight = rng.gamma(2.0, 1.0, size=len(leaves))
    leaf_of = rng.choice(len(leaves), size=n_products, p=leaf_weight / leaf_weight.sum())
    leaf_of.sort(kind="stable")
    names, prices, weighed_flags = [], [], []
    for leaf in leaf_of:  # a few thousand products: a plain loop is clearer than tricks here
        _, price, weighed, items, _ = leaves[leaf]
        brand = BRANDS[rng.integers(len(BRANDS))]
        item = items[rng.integers(len(items))]
        if weighed:
            names.append(f"{brand} {item}, per kg")
        else:
            pack = PACKS[rng.integers(len(PACKS))]
            names.append(f"{brand} {item}" + (f" {pack}" if pack else ""))
        prices.append(price * rng.lognormal(0.0, 0.35))
        weighed_flags.append(weighed)
    # Same-named products differ in their id only; realistic enough for a catalogue feed.
    # Shelf prices end in .90 (89.90, 129.90), as Russian grocery prices do.
    price_cents = np.maximum(np.round(np.array(prices)), 10).astype(np.int64) * 100 - 10
    popularity = rng.zipf(1.6, size=n_products).astype(np.float64)
    popularity = np.minimum(popularity, 1000.0)
    popularity /= popularity.sum()
    product_ids = pa.array([f"P{i:06d}" for i in range(1, n_products + 1)], pa.string())
    leaf_ids = pa.array([leaf[0] for leaf in leaves], pa.string())
    return Catalogue(
        categories={"category_id": pa.array(cat_ids, pa.string()),
                    "name": pa.array(cat_names, pa.string()),
                    "parent_id": pa.array(parents, pa.string())},
        products={"product_id": product_ids,
                  "name": pa.array(names, pa.string()),
                  "category_id": leaf_ids.take(pa.array(leaf_of)),
                  "unit": pa.array(["kg" if w else "pcs" for w in weighed_flags], pa.string())},
        product_ids=product_ids,
        category_of_product=leaf_of,
        top_of_product=np.array([leaves[leaf][4] for leaf in leaf_of], np.int16),
        price_cents=price_cents,
        by_weight=np.array(weighed_flags, bool),
        popularity=popularity,
        top_names=tuple(TREE),
    )
