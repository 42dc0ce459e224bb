"""Browser visualisation of the model (Mesa's SolaraViz on a Solara server): ``python -m sim.viz``."""

import warnings

# Mesa 3.3's ComponentsView calls use_state after an early return for an empty component list;
# solara flags that on import. The app always passes components, so the hook order is stable.
warnings.filterwarnings(
    "ignore", message=r"(?s).*ComponentsView: `use_state` found despite early return", category=UserWarning
)
