"""The paper's experiments (Phang et al. 2020): one run, the grid, the two ablations."""
