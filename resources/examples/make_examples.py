"""Regenerate the bundled example data (small, deterministic). Run: python resources/examples/make_examples.py"""

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent


def two_class() -> None:
    """The seed note's two classes: 1,000 2-D points each around (0, 3) and (3, 0)."""
    rng = np.random.default_rng(1337)
    cov = [[1, 0.5], [0.5, 1]]
    neg = rng.multivariate_normal(mean=[0, 3], cov=cov, size=1000)
    pos = rng.multivariate_normal(mean=[3, 0], cov=cov, size=1000)
    x = np.vstack((neg, pos)).astype(np.float32)
    y = np.vstack((np.zeros((1000, 1)), np.ones((1000, 1)))).astype(np.float32)
    out = HERE / "two_class"
    out.mkdir(exist_ok=True)
    rows = ["x1,x2,label"] + [f"{a:.6f},{b:.6f},{int(c)}" for (a, b), c in zip(x, y[:, 0])]
    (out / "two_class.csv").write_text("\n".join(rows) + "\n")
    np.save(out / "inputs.npy", x)
    np.save(out / "targets.npy", y)


def penguins() -> None:
    """Three species with text labels and a text feature (island): a multiclass example."""
    rng = np.random.default_rng(7)
    species = {"Adelie": (38.8, 18.3, 190, 3700), "Chinstrap": (48.8, 18.4, 196, 3730),
               "Gentoo": (47.5, 15.0, 217, 5070)}
    islands = {"Adelie": ["Biscoe", "Dream", "Torgersen"], "Chinstrap": ["Dream"],
               "Gentoo": ["Biscoe"]}
    out = HERE / "penguins"
    out.mkdir(exist_ok=True)

    def rows(n: int, labelled: bool) -> list[str]:
        head = "bill_length,bill_depth,flipper_length,body_mass,island" + (",species" if labelled
                                                                             else "")
        lines = [head]
        names = list(species)
        for _ in range(n):
            s = names[rng.integers(3)]
            m = species[s]
            vals = [rng.normal(m[0], 2.5), rng.normal(m[1], 0.9), rng.normal(m[2], 6),
                    rng.normal(m[3], 350)]
            island = islands[s][rng.integers(len(islands[s]))]
            cells = [f"{vals[0]:.1f}", f"{vals[1]:.1f}", f"{vals[2]:.0f}", f"{vals[3]:.0f}", island]
            lines.append(",".join(cells + ([s] if labelled else [])))
        return lines

    (out / "penguins.csv").write_text("\n".join(rows(300, True)) + "\n")
    (out / "penguins_test.csv").write_text("\n".join(rows(60, True)) + "\n")
    (out / "penguins_new.csv").write_text("\n".join(rows(12, False)) + "\n")


def houses() -> None:
    """A regression: price from rooms, area, age and distance to the centre."""
    rng = np.random.default_rng(11)
    n = 600
    rooms = rng.integers(1, 7, n)
    area = rooms * 22 + rng.normal(0, 12, n) + 20
    age = rng.uniform(0, 80, n)
    dist = rng.uniform(0.5, 25, n)
    price = 40 + 2.1 * area + 8 * rooms - 0.6 * age - 3.5 * dist + rng.normal(0, 12, n)
    out = HERE / "houses"
    out.mkdir(exist_ok=True)
    lines = ["rooms;area;age;distance;price"] + [
        f"{r};{a:.1f};{g:.0f};{d:.2f};{p:.1f}" for r, a, g, d, p in zip(rooms, area, age, dist, price)]
    (out / "houses.csv").write_text("\n".join(lines[:501]) + "\n")
    (out / "houses_test.csv").write_text("\n".join([lines[0], *lines[501:]]) + "\n")


if __name__ == "__main__":
    two_class()
    penguins()
    houses()
